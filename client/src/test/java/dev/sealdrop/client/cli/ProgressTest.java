package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.output.Progress;
import dev.sealdrop.client.cli.output.ProgressFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Progress bars appear on a terminal only; scripts and logs get nothing. */
class ProgressTest {
  private static String draw(boolean terminal) {
    return draw(terminal, 10 * 1024 * 1024);
  }

  private static String draw(boolean terminal, long size) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (Progress p = new ProgressFactory(terminal, stream).start("uploading", size)) {
      p.advance(size / 2);
      p.position(size);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aFileUnderOneMebibyteCountsInKibibytesAndRatesHaveALeadingZero() {
    // a 500 000-byte receive drew "0/0 MiB ... .5 MiB/s"
    String bar = draw(true, 500_000);
    assertThat(bar).contains("488/488 KiB").doesNotContain("0/0 MiB").doesNotContainPattern("[^0-9]\\.[0-9]");
  }

  @Test
  void aFileUnderTenKibibytesCountsInBytes() {
    // a 3-byte seal drew "0/0 KiB" (round BR)
    assertThat(draw(true, 3)).contains("3/3 B").doesNotContain("0/0 KiB");
  }

  @Test
  void noTerminalNoOutput() {
    assertThat(draw(false)).isEmpty();
  }

  @Test
  void onATerminalABarWithRate() {
    assertThat(draw(true)).contains("uploading").contains("100%").contains("MiB/s");
  }
}
