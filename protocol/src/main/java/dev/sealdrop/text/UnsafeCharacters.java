package dev.sealdrop.text;

/**
 * The characters that must not reach a terminal or a file name as they are: they change what the text around them
 * looks like, or look like nothing. One rule for every place that shows or stores text a sender or a server chose
 * (the CLI's output, file names a recipient's disk gets).
 */
public final class UnsafeCharacters {
  private UnsafeCharacters() {}

  /**
   * True for control characters (C0, DEL, C1); every format character (Unicode category Cf: the bidi overrides,
   * marks and isolates such as U+202E and U+061C, zero-width ones such as U+200B and U+2060, the soft hyphen, the
   * byte-order mark, the tag characters from U+E0000); the line and paragraph separators; lone surrogates; and the
   * Hangul fillers and the combining grapheme joiner, which print as nothing.
   */
  public static boolean unsafe(int c) {
    if (Character.isISOControl(c)) {
      return true;
    }
    switch (Character.getType(c)) {
      case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SURROGATE:
        return true;
      default:
        return c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x3164 || c == 0xffa0;
    }
  }
}
