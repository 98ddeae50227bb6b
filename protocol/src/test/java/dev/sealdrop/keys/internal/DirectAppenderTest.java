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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

  /**
   * A descriptor that a file system opened with O_DIRECT but whose direct writes it refuses as invalid (EINVAL, as
   * the JDK reports it); reads and everything else go to {@code real}.
   */
  private static final class RefusesWrites extends Delegating {
    final AtomicLong refused = new AtomicLong();

    RefusesWrites(java.nio.channels.FileChannel real) {
      super(real);
    }

    @Override
    public int write(java.nio.ByteBuffer src, long position) throws IOException {
      refused.incrementAndGet();
      throw new IOException("Invalid argument");
    }

    @Override
    public int write(java.nio.ByteBuffer src) throws IOException {
      refused.incrementAndGet();
      throw new IOException("Invalid argument");
    }

    @Override
    public long write(java.nio.ByteBuffer[] srcs, int offset, int length) throws IOException {
      refused.incrementAndGet();
      throw new IOException("Invalid argument");
    }

    @Override
    public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) throws IOException {
      throw new IOException("Invalid argument");
    }
  }

  /**
   * A descriptor whose first fsync fails (EIO, as a disk or a thin pool reports a lost write-back), the later ones
   * succeed, as Linux reports a write-back error once per open file: the pages it failed are clean by then, and lost.
   */
  private static final class FirstFsyncFails extends Delegating {
    private boolean failed;

    FirstFsyncFails(java.nio.channels.FileChannel real) {
      super(real);
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (!failed) {
        failed = true;
        throw new IOException("Input/output error");
      }
      super.force(metaData);
    }
  }

  /** Every call to {@code real}. */
  private static class Delegating extends java.nio.channels.FileChannel {
    private final java.nio.channels.FileChannel real;

    Delegating(java.nio.channels.FileChannel real) {
      this.real = real;
    }

    @Override
    public int write(java.nio.ByteBuffer src, long position) throws IOException {
      return real.write(src, position);
    }

    @Override
    public int write(java.nio.ByteBuffer src) throws IOException {
      return real.write(src);
    }

    @Override
    public long write(java.nio.ByteBuffer[] srcs, int offset, int length) throws IOException {
      return real.write(srcs, offset, length);
    }

    @Override
    public int read(java.nio.ByteBuffer dst) throws IOException {
      return real.read(dst);
    }

    @Override
    public long read(java.nio.ByteBuffer[] dsts, int offset, int length) throws IOException {
      return real.read(dsts, offset, length);
    }

    @Override
    public int read(java.nio.ByteBuffer dst, long position) throws IOException {
      return real.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return real.position();
    }

    @Override
    public java.nio.channels.FileChannel position(long newPosition) throws IOException {
      real.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return real.size();
    }

    @Override
    public java.nio.channels.FileChannel truncate(long size) throws IOException {
      real.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      real.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target) throws IOException {
      return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) throws IOException {
      return real.transferFrom(src, position, count);
    }

    @Override
    public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return real.map(mode, position, size);
    }

    @Override
    public java.nio.channels.FileLock lock(long position, long size, boolean shared) throws IOException {
      return real.lock(position, size, shared);
    }

    @Override
    public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      real.close();
    }
  }

  @Test
  void aFileSystemThatRefusesDirectWritesAsInvalidGetsEveryByteThroughTheOrdinaryDescriptor() throws Exception {
    Path file = Files.createFile(dir.resolve("einval"));
    byte[] data = random(4 * DirectAppender.BLOCK_BUFFER + 4321, 9);
    java.nio.channels.FileChannel plain = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE);
    RefusesWrites direct = new RefusesWrites(java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ));
    try (DirectAppender out = DirectAppender.over(plain, direct, 0)) {
      assertThat(out.isDirect()).isTrue();
      writeInPieces(out, data, 10);
      assertThat(out.sync()).isEqualTo(data.length);
      assertThat(out.isDirect()).as("given up after the refusal").isFalse();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    // the blocks already queued when the first was refused may each try once; after that none is tried directly
    assertThat(direct.refused.get()).isBetween(1L, (long) DirectAppender.BUFFERS);
  }

  /**
   * A failed fsync fails every later one (review EQ): Linux reports a lost write-back once, and a second fsync of the
   * same file then succeeds though the bytes it lost are not on the disk; an upload stopped by the first failure took
   * the second's success as durable, recorded its offset, and its resume skipped the lost range.
   */
  @Test
  void aFailedFsyncFailsEveryLaterSyncAndTheClose() throws Exception {
    Path file = Files.createFile(dir.resolve("eio"));
    byte[] data = random(DirectAppender.BLOCK_BUFFER + 4321, 11);
    java.nio.channels.FileChannel plain = new FirstFsyncFails(java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE));
    DirectAppender out = DirectAppender.over(plain, null, 0);
    out.write(data, 0, data.length);
    assertThatThrownBy(out::sync).isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
    assertThatThrownBy(out::sync).as("the second fsync would succeed; the appender does not ask it")
        .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
    assertThatThrownBy(() -> out.write(data, 0, DirectAppender.BLOCK_BUFFER)).isInstanceOf(IOException.class);
    assertThatThrownBy(out::close).isInstanceOf(IOException.class);
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
    // the writer on its own thread, not CompletableFuture's default pool: that may have a single worker (JDK 25
    // on one or two CPUs, JDK-8319447), where a task that blocks holds up every one queued behind it (as in
    // LockdownSwitchTest)
    ExecutorService writerThread = Executors.newSingleThreadExecutor();
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
      }, writerThread);
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
    } finally {
      writerThread.shutdownNow();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
  }
}
