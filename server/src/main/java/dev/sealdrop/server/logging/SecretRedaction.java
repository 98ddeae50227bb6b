package dev.sealdrop.server.logging;

import java.util.regex.Pattern;

/**
 * Replaces what looks like a grant token ({@code sdg_...}) or a claim id ({@code sdc_...}) in a log line with its prefix
 * and {@code [redacted]}. sealdrop's own code never logs them; libraries may (an SFTP path {@code /redeem/TOKEN} in
 * MINA's warnings), so every line the server writes goes through this.
 */
public final class SecretRedaction {
  /**
   * The prefixes of {@code core.grant.Secrets}, followed by base64url characters (any number: a cut one too), wherever
   * they are, and in any case: not only after a word boundary, since a token pasted after a letter or digit ({@code
   * xsdg_...}, a mistyped identity name) is a token all the same, and {@code SDG_} followed by a token's secret part
   * carries the secret whole (an admin's --reason quoted one so: outside test).
   */
  private static final Pattern SECRET = Pattern.compile("(?i)(sd[gc]_)[A-Za-z0-9_-]+");

  /**
   * A grant token's secret part without its prefix: exactly 43 base64url characters (32 random bytes), standing alone:
   * no base64url character on either side (a '/', '=' or '+' may stand before it, a '/' or '+' after it: a URL's path
   * {@code /redeem/SECRET/} or query {@code ?t=SECRET}, reviews BJ and BK), and no padding after it (a standard base64
   * value of 32 bytes ends in '='). A run inside a longer string, such as a key, is not one, nor an SSH key's SHA-256
   * fingerprint ({@code SHA256:} and 43 characters, often without '+' or '/': review RS).
   */
  private static final Pattern BARE_SECRET =
      Pattern.compile("(?<![A-Za-z0-9_-])(?<!SHA256:)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_=-])");

  /** What {@link #redactBare} puts in place of a bare secret: one word, as it may stand for an audit record's actor. */
  public static final String BARE_REDACTED = "[redacted:token-secret]";

  private SecretRedaction() {}

  /**
   * {@code text} as {@link #redact} makes it, and with a grant token's secret part redacted also where it stands
   * without its {@code sdg_} prefix (round AY: a token's secret typed as an SSH user name, or pasted into an admin's
   * reason without its prefix, was logged and audited as given). Only for text a person typed in one of those places:
   * in every log line, an SSH key's SHA-256 fingerprint (43 characters of base64, often without '+' or '/') would be
   * taken for one.
   */
  public static String redactBare(String text) {
    String r = redact(text);
    return r == null ? null : BARE_SECRET.matcher(r).replaceAll(java.util.regex.Matcher.quoteReplacement(BARE_REDACTED));
  }

  /** {@code text} with every token or claim id in it redacted; null stays null. */
  public static String redact(String text) {
    if (text == null || !mayHoldSecret(text)) {
      return text;
    }
    return SECRET.matcher(text).replaceAll("$1[redacted]");
  }

  /** Whether {@code text} has "sdg_" or "sdc_" in any case: most lines have neither, and skip the pattern. */
  private static boolean mayHoldSecret(String text) {
    for (int i = text.indexOf('_'); i >= 0; i = text.indexOf('_', i + 1)) {
      if (i >= 3 && (text.regionMatches(true, i - 3, "sdg", 0, 3) || text.regionMatches(true, i - 3, "sdc", 0, 3))) {
        return true;
      }
    }
    return false;
  }
}
