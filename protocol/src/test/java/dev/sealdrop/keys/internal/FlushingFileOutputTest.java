package dev.sealdrop.keys.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlushingFileOutputTest {
  @TempDir
  Path dir;

  @Test
  void everyByteArrivesInOrderAcrossBackgroundFlushes() throws IOException {
    byte[] data = new byte[5 * 1024 * 1024 + 12345];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("out");
    FlushingFileOutput out = FlushingFileOutput.create(file, 1 << 20);
    try (out) {
      // odd-sized writes and single bytes, so that buffer edges fall everywhere
      int at = 0;
      for (int step = 1; at < data.length; step = step * 7 % 300_001 + 1) {
        int n = Math.min(step, data.length - at);
        if (n == 1) {
          out.write(data[at]);
        } else {
          out.write(data, at, n);
        }
        at += n;
      }
      out.sync();
    }
    assertThat(out.flushesStarted()).as("flushes ran while writing").isGreaterThanOrEqualTo(1);
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @Test
  void anAbandonedFileIsClosedWithWhatWasWrittenAndRefusesMore() throws IOException {
    Path file = dir.resolve("abandoned");
    FlushingFileOutput out = FlushingFileOutput.create(file);
    out.write(new byte[] {1, 2, 3});
    out.close();
    out.close(); // idempotent
    assertThat(Files.readAllBytes(file)).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> out.write(4)).isInstanceOf(IOException.class);
    assertThatThrownBy(out::sync).isInstanceOf(IOException.class);
  }

  @Test
  void anExistingFileIsTruncated() throws IOException {
    Path file = dir.resolve("existing");
    Files.write(file, new byte[100]);
    try (FlushingFileOutput out = FlushingFileOutput.create(file)) {
      out.write(new byte[] {9});
      out.sync();
    }
    assertThat(Files.readAllBytes(file)).containsExactly(9);
  }
}
