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
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try (Progress p = new ProgressFactory(terminal, stream).start("uploading", 10 * 1024 * 1024)) {
      p.advance(5 * 1024 * 1024);
      p.position(10 * 1024 * 1024);
    }
    return bytes.toString(StandardCharsets.UTF_8);
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
