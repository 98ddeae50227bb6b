package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A grant id as the server makes them ({@code g_} + 32 hex digits), checked before the server is asked, by every
 * command that takes one ({@code grants revoke}, {@code admin grants revoke}): a grant token pasted in its place is
 * refused here, so it never travels to the server, into its audit log or back into an error message. Taken in
 * either case, as the server takes it, and sent in lower case (the form listings show).
 */
public final class GrantIds {
  private static final Pattern GRANT_ID = Pattern.compile("g_[0-9a-f]{32}");
  /** A file id ({@code f_} + 32 hex digits): the id most often given where a grant id belongs. */
  private static final Pattern FILE_ID = Pattern.compile("f_[0-9a-f]{32}");
  private static final String SHAPE = "a grant id is `g_` followed by 32 hex digits";

  private GrantIds() {}

  /**
   * {@code given} without the blanks around it (pasted from a listing, as {@code receive} takes a pasted token), in
   * lower case.
   *
   * @param listing the command whose GRANT column shows the caller's grant ids, for the hint
   * @param forFiles what to do with a file id instead (the command that takes one), for the hint
   * @throws UsageFailure {@code BAD_GRANT_ID} for anything else; the message never repeats what was given
   */
  public static String require(String given, String listing, String forFiles) throws UsageFailure {
    String id = given.strip().toLowerCase(Locale.ROOT);
    if (GRANT_ID.matcher(id).matches()) {
      return id;
    }
    if (FILE_ID.matcher(id).matches()) {
      throw new UsageFailure("BAD_GRANT_ID", "that is a file id, not a grant id: " + SHAPE,
          forFiles + "; a file's grants are in the GRANT column of " + listing);
    }
    throw new UsageFailure("BAD_GRANT_ID", (id.startsWith("sdg_") ? "that is a grant token, not a grant id"
        : "that is not a grant id") + ": " + SHAPE, "copy it from the GRANT column of " + listing);
  }
}
