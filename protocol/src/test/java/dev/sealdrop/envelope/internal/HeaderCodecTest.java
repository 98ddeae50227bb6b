package dev.sealdrop.envelope.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an envelope error quotes of a header's text (a sender's name, a suite): printable ASCII, every other escaped. */
class HeaderCodecTest {
  @Test
  void everyCharacterOutsidePrintableAsciiIsEscapedSoThatNoEscapeReadsAsAnother() {
    assertThat(HeaderCodec.printableOrEscaped("al\u200bice")).isEqualTo("al\\u200bice");
    assertThat(HeaderCodec.printableOrEscaped("\n\u202e")).isEqualTo("\\u000a\\u202e");
    // beyond U+FFFF: eight digits (round BH: U+10FFFF was "\\u10ffff", which reads as U+10FF and "ff")
    assertThat(HeaderCodec.printableOrEscaped("x\uDBFF\uDFFFy")).isEqualTo("x\\U0010ffffy");
    assertThat(HeaderCodec.printableOrEscaped("a".repeat(100))).hasSize(80);
  }
}
