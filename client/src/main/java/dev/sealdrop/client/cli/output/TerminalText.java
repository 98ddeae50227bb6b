package dev.sealdrop.client.cli.output;

/**
 * Makes untrusted text (file names, identities, server messages) safe to print on a terminal:
 * control characters (which could move the cursor or rewrite earlier lines, e.g. a forged
 * "verified" line) and bidirectional overrides become {@code ?}.
 */
public final class TerminalText {
  private TerminalText() {}

  public static String clean(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().forEach(c -> sb.appendCodePoint(unsafe(c) ? '?' : c));
    return sb.toString();
  }

  /**
   * Like {@link #clean}, but shows what it replaces: each unsafe character as {@code \\uXXXX} and a backslash as two,
   * so that an auditor reading records sees which invisible or direction-changing character a value holds
   * (docs/audit-log.md asks display tools to escape them), and an escape cannot be told from a literal backslash.
   */
  public static String escaped(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length());
    s.codePoints().forEach(c -> {
      if (c == '\\') {
        sb.append("\\\\");
      } else if (unsafe(c)) {
        // beyond the BMP (a tag character) with eight digits, so that no escape reads as a shorter one and a digit
        sb.append(String.format(java.util.Locale.ROOT, c > 0xffff ? "\\U%08x" : "\\u%04x", c));
      } else {
        sb.appendCodePoint(c);
      }
    });
    return sb.toString();
  }

  /**
   * True for what {@link #clean} replaces: control characters (C0, DEL, C1) and the invisible or
   * direction-changing formatting characters. The JSON output escapes the same ones (as backslash-u escapes).
   */
  public static boolean unsafe(int c) {
    // every format character (Cf), not a list of some (outside test: U+061C, U+2060, U+00AD and tag characters
    // printed raw); the same rule as for the file names a recipient's disk gets
    return dev.sealdrop.text.UnsafeCharacters.unsafe(c);
  }

}
