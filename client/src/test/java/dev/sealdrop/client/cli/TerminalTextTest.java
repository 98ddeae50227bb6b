package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.output.TerminalText;
import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void escapeSequencesAndBidiOverridesCannotReachTheTerminal() {
    assertThat(TerminalText.clean("evil\u001b[2K\rverified.csv")).isEqualTo("evil?[2K?verified.csv");
    assertThat(TerminalText.clean("invoice\u202egpj.exe")).isEqualTo("invoice?gpj.exe");
    assertThat(TerminalText.clean("a\nb\u0085c")).isEqualTo("a?b?c");
    assertThat(TerminalText.clean("Kundenliste_Ü.csv")).isEqualTo("Kundenliste_Ü.csv");
  }

  /** For audit records: what is unsafe is shown escaped, not as '?' (outside test), and a backslash as two. */
  @Test
  void escapedShowsWhichCharacterItWas() {
    assertThat(TerminalText.escaped("invoice\u202egpj.exe")).isEqualTo("invoice\\u202egpj.exe");
    assertThat(TerminalText.escaped("a\u200bb\u001bc")).isEqualTo("a\\u200bb\\u001bc");
    assertThat(TerminalText.escaped("C:\\u202e")).isEqualTo("C:\\\\u202e");
    assertThat(TerminalText.escaped("Kundenliste_Ü.csv")).isEqualTo("Kundenliste_Ü.csv");
    assertThat(TerminalText.escaped("x\u202ey").chars().filter(TerminalText::unsafe).count()).isZero();
  }

  /**
   * Every invisible or direction-changing character, not a list of some (outside test: U+061C, U+2060, U+00AD and the
   * tag characters printed raw in `admin audit tail`); letters of any script, and emoji, stay.
   */
  @Test
  void everyFormatCharacterIsUnsafeAndLettersAndEmojiAreNot() {
    String tag = new String(Character.toChars(0xe0069));
    assertThat(TerminalText.escaped("alm:\u061c wj:\u2060 tag:" + tag + " shy:\u00ad ls:\u2028 fill:\u3164 end"))
        .isEqualTo("alm:\\u061c wj:\\u2060 tag:\\U000e0069 shy:\\u00ad ls:\\u2028 fill:\\u3164 end");
    assertThat(TerminalText.clean("a\u2066b\u2069c\u200ed\ufff9e")).isEqualTo("a?b?c?d?e");
    String emoji = new String(Character.toChars(0x1f600));
    assertThat(TerminalText.clean("Müller_Łódź_日本_عربي_" + emoji + ".csv")).isEqualTo("Müller_Łódź_日本_عربي_" + emoji
        + ".csv");
  }
}
