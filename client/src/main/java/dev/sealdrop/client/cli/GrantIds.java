package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A grant id or file id as the server makes them ({@code g_} or {@code f_} + 32 hex digits), checked before the
 * server is asked, by every command that takes one ({@code grants revoke}, {@code admin grants revoke},
 * {@code admin files purge}): a grant token pasted in its place is refused here, so it never travels to the server,
 * into its audit log or back into an error message. Taken in either case, as the server takes it, and sent in lower
 * case (the form listings show).
 */
public final class GrantIds {
  private static final Pattern GRANT_ID = Pattern.compile("g_[0-9a-f]{32}");
  private static final Pattern FILE_ID = Pattern.compile("f_[0-9a-f]{32}");

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
    return check(given, "BAD_GRANT_ID", new Kind("grant", GRANT_ID), new Kind("file", FILE_ID),
        forFiles + "; to find a file's grants, " + listing + " with --json gives each grant's file_id", "copy it from"
            + " the GRANT column of " + listing);
  }

  /**
   * A file id, checked as {@link #require} checks a grant id ({@code admin files purge}): a grant id is named as one,
   * with {@code forGrants} (the command that takes it) as the hint.
   *
   * @throws UsageFailure {@code BAD_FILE_ID} for anything but a file id; the message never repeats what was given
   */
  public static String requireFile(String given, String listing, String forGrants) throws UsageFailure {
    return check(given, "BAD_FILE_ID", new Kind("file", FILE_ID), new Kind("grant", GRANT_ID), forGrants,
        "copy it from the FILE column of " + listing);
  }

  /** A kind of id: its name and its shape. */
  private record Kind(String name, Pattern shape) {}

  private static String check(String given, String reason, Kind wanted, Kind other, String otherHint, String copyHint)
      throws UsageFailure {
    String id = given.strip().toLowerCase(Locale.ROOT);
    if (wanted.shape().matcher(id).matches()) {
      return id;
    }
    String rule = ": a " + wanted.name() + " id is `" + wanted.shape().pattern().substring(0, 2)
        + "` followed by 32 hex digits";
    if (other.shape().matcher(id).matches()) {
      throw new UsageFailure(reason, "that is a " + other.name() + " id, not a " + wanted.name() + " id"
          + rule, otherHint);
    }
    throw new UsageFailure(reason, (id.startsWith("sdg_") ? "that is a grant token, not a "
        : "that is not a ") + wanted.name() + " id" + rule, copyHint);
  }
}
