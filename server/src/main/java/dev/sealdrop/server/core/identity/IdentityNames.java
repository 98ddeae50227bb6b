package dev.sealdrop.server.core.identity;

import java.util.regex.Pattern;

/** The identity alphabet: what a certificate CN must look like to be an identity here. */
public final class IdentityNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  /** The rule, in the words every refusal of a name uses (admin identities add, requests naming one). */
  public static final String RULE = "1-64 characters of letters, digits, '.', '_', '@', '-', starting with a letter"
      + " or digit";

  private IdentityNames() {}

  /**
   * Why a new identity may not be named {@code name} although it is {@link #isValid valid}, or "": a name holding
   * {@code sdg_} or {@code sdc_} in any case (what begins a grant token or a claim id) would be redacted in the logs
   * and the audit log like one, so two such identities could not be told apart there (outside test), and a pasted
   * token would be stored in clear. The message never repeats the name.
   */
  public static String refusedForNew(String name) {
    String lower = name == null ? "" : name.toLowerCase(java.util.Locale.ROOT);
    if (looksLikeTokenSecret(name)) {
      return "an identity name is refused: " + SECRET_SHAPED;
    }
    return lower.contains("sdg_") || lower.contains("sdc_")
        ? "an identity name may not contain 'sdg_' or 'sdc_' (in any case), which begin grant tokens and claim ids:"
            + " logs and the audit log redact them, so the identity could not be told apart there (was a token"
            + " pasted?); choose another name"
        : "";
  }

  /**
   * A grant token's secret part without its {@code sdg_} prefix: 43 base64url characters and nothing else, with upper
   * and lower case letters (a random one lacks either with a chance of about 2 in 10^10), so that a readable name of 43
   * such characters ({@code svc-backup-nightly-export-finance-eu-west-1}, review BZ) is not taken for one.
   */
  private static final Pattern TOKEN_SECRET = Pattern.compile("(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9_-]{43}");

  /** Why a name of {@link #looksLikeTokenSecret that shape} is refused; never repeats it. */
  public static final String SECRET_SHAPED = "it has the shape of a grant token's secret part (43 letters of both"
      + " cases, digits, '-' or '_' and nothing else), which is no identity name here: was a token pasted without its"
      + " sdg_? The value is not repeated, logged or recorded";

  /**
   * Whether {@code name} has the shape of a grant token's secret part (round BY: a token's secret given as a grant's
   * recipient, or to {@code admin identities add/disable/revoke}, was written as typed into the server's log and the
   * audit log, which third parties receive, and became an identity's name). Such a value is refused wherever a request
   * names an identity, and as a new identity's name; it is never quoted.
   */
  public static boolean looksLikeTokenSecret(String name) {
    return name != null && TOKEN_SECRET.matcher(name).matches();
  }

  public static boolean isValid(String name) {
    return name != null && NAME.matcher(name).matches() && !isReserved(name);
  }

  /**
   * The audit log's actor for the server's own acts ({@code server}), in any case: no identity may be named so, or its
   * records could not be told from the server's (round AI: {@code admin identities add server} was accepted).
   */
  public static boolean isReserved(String name) {
    return "server".equalsIgnoreCase(name);
  }

  /**
   * What is wrong with {@code name}, as a clause ("it contains a space", "it has 70 characters"), or ""
   * if it is a valid name: a refusal names the problem, not only the rule. Names one character at
   * most, never the whole value.
   */
  public static String problem(String name) {
    if (isValid(name)) {
      return "";
    }
    if (name == null || name.isEmpty()) {
      return "it is empty";
    }
    if (isReserved(name)) {
      return "it is the audit log's name for the server itself";
    }
    if (name.length() > 64) {
      return "it has " + name.length() + " characters";
    }
    char first = name.charAt(0);
    if (!isLetterOrDigit(first)) {
      return "it starts with " + describe(first);
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isLetterOrDigit(c) && ".-_@".indexOf(c) < 0) {
        return "it contains " + describe(c);
      }
    }
    return "it is not allowed"; // not reached: the pattern and these checks say the same
  }

  private static boolean isLetterOrDigit(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static String describe(char c) {
    if (c == ' ') {
      return "a space";
    }
    return c > ' ' && c < 0x7f ? "'" + c + "'" : String.format("the character U+%04X", (int) c);
  }

  public static String check(String name) {
    if (!isValid(name)) {
      throw new IllegalArgumentException("identity name '" + name + "' is not allowed: " + RULE);
    }
    return name;
  }
}
