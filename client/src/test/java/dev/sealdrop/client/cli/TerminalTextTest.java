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
}
