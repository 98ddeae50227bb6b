package dev.sealdrop.server.logging;

/**
 * Writes the characters that end or rewrite a log line (CR, LF and the other C0 controls but tab, DEL, the C1
 * controls, U+2028 and U+2029, and the bidirectional controls) as escapes ({@code \n}, {@code \r}, {@code \u001b}): a message or an exception's message
 * is one line of the log, whatever a client put in it (round AI: MINA's key-exchange failure quotes the algorithm names
 * a client offered before logging in, and a name holding a newline wrote a forged line under any logger).
 */
public final class ControlCharacters {
  private ControlCharacters() {}

  /** {@code text} with every such character escaped; null stays null. */
  public static String escaped(String text) {
    if (text == null) {
      return null;
    }
    int i = 0;
    while (i < text.length() && !isBreaking(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text; // most lines: nothing to escape, nothing copied
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!isBreaking(c)) {
        out.append(c);
      } else if (c == '\\') {
        out.append("\\\\"); // so that an escape in the line is always one this wrote (round AN)
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  /** Also the bidirectional controls, which reorder how the rest of a line reads (round AM). */
  private static boolean isBreaking(char c) {
    return (c < 0x20 && c != '\t') || c == '\\' || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
        || c == '\u061c' || c == '\u200e' || c == '\u200f' || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }
}
