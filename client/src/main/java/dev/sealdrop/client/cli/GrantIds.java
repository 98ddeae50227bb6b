package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.regex.Pattern;

/**
 * A grant id as the server makes them ({@code g_} + 32 lowercase hex digits), checked before the server is asked,
 * by every command that takes one ({@code grants revoke}, {@code admin grants revoke}): a grant token pasted in its
 * place is refused here, so it never travels to the server, into its audit log or back into an error message.
 */
public final class GrantIds {
  private static final Pattern GRANT_ID = Pattern.compile("g_[0-9a-f]{32}");

  private GrantIds() {}

  /**
   * {@code given} without the blanks around it (pasted from a listing, as {@code receive} takes a pasted token).
   *
   * @param listing the command whose GRANT column shows the caller's grant ids, for the hint
   * @throws UsageFailure {@code BAD_GRANT_ID} for anything else; the message never repeats what was given
   */
  public static String require(String given, String listing) throws UsageFailure {
    String id = given.strip();
    if (!GRANT_ID.matcher(id).matches()) {
      throw new UsageFailure("BAD_GRANT_ID", (id.startsWith("sdg_") ? "that is a grant token, not a grant id"
          : "that is not a grant id") + ": a grant id is `g_` followed by 32 lowercase hex digits",
          "copy it from the GRANT column of " + listing);
    }
    return id;
  }
}
