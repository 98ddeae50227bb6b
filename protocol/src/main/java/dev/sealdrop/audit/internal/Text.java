package dev.sealdrop.audit.internal;

import java.nio.charset.StandardCharsets;

/** Validation and sanitising of the strings that may appear in audit records and notes. */
public final class Text {
  private Text() {}

  /** True if {@code s} is well-formed UTF-16 (no unpaired surrogate) and has no control character. */
  public static boolean isClean(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c) || Character.getType(c) == Character.CONTROL) {
        return false;
      }
    }
    return true;
  }

  /** Length of {@code s} in UTF-8 bytes (s must be well-formed). */
  public static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Makes an arbitrary string acceptable to a record: unpaired surrogates and control characters
   * become U+FFFD, and a string longer than {@code maxBytes} UTF-8 bytes is cut at a code-point
   * boundary and ends with U+2026 ("…") so that a reader sees it was shortened.
   */
  public static String sanitize(String s, int maxBytes) {
    if (s == null) {
      return "";
    }
    StringBuilder clean = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        clean.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c) || Character.getType(c) == Character.CONTROL) {
        clean.append('\uFFFD');
      } else {
        clean.append(c);
      }
    }
    String result = clean.toString();
    if (utf8Length(result) <= maxBytes) {
      return result;
    }
    StringBuilder cut = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < result.length(); ) {
      int cp = result.codePointAt(i);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > maxBytes - 3) {
        break;
      }
      cut.appendCodePoint(cp);
      bytes += len;
      i += Character.charCount(cp);
    }
    return cut.append('\u2026').toString();
  }

  /** A lowercase token: {@code [a-z0-9][a-z0-9._-]*}, 1..maxLength characters. */
  public static boolean isToken(String s, int maxLength) {
    if (s == null || s.isEmpty() || s.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * An origin or key name as the signed-note format allows them: 1..200 printable ASCII
   * characters, no space and no '+'.
   */
  public static boolean isNoteName(String s) {
    if (s == null || s.isEmpty() || s.length() > 200) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7F || c == '+') {
        return false;
      }
    }
    return true;
  }
}
