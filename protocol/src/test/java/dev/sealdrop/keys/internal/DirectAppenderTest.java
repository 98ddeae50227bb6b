package dev.sealdrop.keys.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link DirectAppender}: the same bytes as an ordinary append, durable lengths that cover what was written. */
class DirectAppenderTest {
  @TempDir
  Path dir;

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  /** Writes {@code data} in uneven pieces (1 byte up to 300 KiB). */
  private static void writeInPieces(DirectAppender out, byte[] data, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, r.nextInt(4) == 0 ? 1 + r.nextInt(16) : 1 + r.nextInt(300_000));
      out.write(data, off, n);
      off += n;
    }
  }

  @Test
  void wholeBlocksBypassThePageCacheAndTheFileIsExact() throws Exception {
    Path file = dir.resolve("blob");
    byte[] data = random(5 * DirectAppender.BLOCK_BUFFER + 12_345, 1);
    try (DirectAppender out = DirectAppender.open(file, 0, true)) {
      String type = Files.getFileStore(dir).type();
      if (type.equals("ext4") || type.equals("xfs")) {
        assertThat(out.isDirect()).as("O_DIRECT on " + type).isTrue();
      }
      writeInPieces(out, data, 2);
      assertThat(out.handedOff()).as("full blocks went to the writer while writing; only the last one waits")
          .isGreaterThan(data.length - (long) DirectAppender.BLOCK_BUFFER);
      assertThat(out.sync()).isEqualTo(data.length);
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }

  @Test
  void withoutODirectEveryByteStillArrives() throws Exception {
    Path file = dir.resolve("plain");
    byte[] data = random(2 * DirectAppender.BLOCK_BUFFER + 777, 3);
    try (DirectAppender out = DirectAppender.open(file, 0, true, false)) {
      assertThat(out.isDirect()).isFalse();
      writeInPieces(out, data, 4);
      assertThat(out.sync()).isEqualTo(data.length);
      out.write(data, 0, 10);
    }
    byte[] expected = Arrays.copyOf(data, data.length + 10);
    System.arraycopy(data, 0, expected, data.length, 10);
    assertThat(Files.readAllBytes(file)).isEqualTo(expected);
  }

  @Test
  void reopeningAtAnUnalignedOffsetKeepsThePrefixAndDropsWhatFollowed() throws Exception {
    Path file = dir.resolve("resumed");
    byte[] first = random(DirectAppender.BLOCK_BUFFER + 70_001, 5);
    try (DirectAppender out = DirectAppender.open(file, 0, true)) {
      out.write(first, 0, first.length);
    }
    long keep = DirectAppender.BLOCK_BUFFER + 33_333; // unaligned, inside the second block
    byte[] rest = random(3 * DirectAppender.BLOCK_BUFFER + 5, 6);
    try (DirectAppender out = DirectAppender.open(file, keep, false)) {
      assertThat(out.length()).isEqualTo(keep);
      writeInPieces(out, rest, 7);
      assertThat(out.sync()).isEqualTo(keep + rest.length);
    }
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(first, 0, (int) keep);
    expected.write(rest);
    assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
  }

  @Test
  void aFailedBlockWriteFailsTheNextCallsInsteadOfHangingThem() throws Exception {
    for (boolean tryDirect : new boolean[] {true, false}) {
      Path file = dir.resolve("failing-" + tryDirect);
      byte[] block = random(DirectAppender.BLOCK_BUFFER, 10);
      DirectAppender out = DirectAppender.open(file, 0, true, tryDirect);
      out.write(block, 0, block.length);
      out.failTheDisk();
      assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
        // more blocks than there are buffers: a lost buffer would block here for ever
        assertThatThrownBy(() -> {
          for (int i = 0; i < 4 * DirectAppender.BUFFERS; i++) {
            out.write(block, 0, block.length);
          }
        }).isInstanceOf(IOException.class).hasMessageContaining("writing to the file failed");
        assertThatThrownBy(out::sync).isInstanceOf(IOException.class);
        assertThatThrownBy(out::close).isInstanceOf(IOException.class);
      });
    }
  }

  @Test
  void anOffsetBeyondTheFileIsRefused() throws Exception {
    Path file = dir.resolve("short");
    Files.write(file, new byte[100]);
    assertThatThrownBy(() -> DirectAppender.open(file, 101, false)).isInstanceOf(IOException.class)
        .hasMessageContaining("holds 100 bytes, fewer than 101");
    assertThat(Files.size(file)).as("nothing was cut").isEqualTo(100);
  }

  @Test
  void aSyncFromAnotherThreadCoversEverythingWrittenBeforeIt() throws Exception {
    Path file = dir.resolve("concurrent");
    byte[] data = random(24 * DirectAppender.BLOCK_BUFFER + 99, 8);
    AtomicLong written = new AtomicLong();
    long[] covered = new long[200];
    long[] writtenBefore = new long[200];
    try (DirectAppender out = DirectAppender.open(file, 0, true)) {
      CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
        SplittableRandom r = new SplittableRandom(9);
        try {
          for (int off = 0; off < data.length; ) {
            int n = Math.min(data.length - off, 1 + r.nextInt(200_000));
            out.write(data, off, n);
            off += n;
            written.set(off);
          }
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      int syncs = 0;
      while (!writer.isDone() && syncs < covered.length) {
        writtenBefore[syncs] = written.get();
        covered[syncs] = out.sync();
        syncs++;
      }
      writer.join();
      for (int i = 0; i < syncs; i++) {
        assertThat(covered[i]).isGreaterThanOrEqualTo(writtenBefore[i]).isLessThanOrEqualTo(data.length);
      }
      assertThat(syncs).isPositive();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }
}
