package dev.sealdrop.keys.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DirectReader}: exactly the file's bytes, whatever the read sizes and positions (direct
 * reads are whole aligned blocks, callers' are not), the end of the file as -1, and read-only.
 */
@Timeout(60) // a broken end-of-file check would loop for ever
class DirectReaderTest {
  @TempDir
  Path dir;

  /** Two and a half buffers and an odd tail: blocks, buffer refills and a short last block. */
  private static final int SIZE = 2 * DirectReader.BUFFER + DirectReader.BUFFER / 2 + 12_345;

  private Path file(byte[] content) throws Exception {
    Path f = dir.resolve("blob");
    Files.write(f, content);
    return f;
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static SeekableByteChannel directOrSkip(Path f) throws Exception {
    SeekableByteChannel ch = DirectReader.open(f);
    String type = Files.getFileStore(f).type();
    if (type.equals("ext4") || type.equals("xfs")) {
      assertThat(ch).as("O_DIRECT on " + type).isInstanceOf(DirectReader.class);
    }
    assumeTrue(ch instanceof DirectReader, "this file system refuses O_DIRECT");
    return ch;
  }

  /** An O_DIRECT channel whose reads return at most {@code most} bytes, as some file systems do. */
  private static FileChannel shortReads(Path f, int most) throws Exception {
    FileChannel real = FileChannel.open(f, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
    return new FileChannel() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        // the JDK insists on whole 4 KiB blocks: read those, then report only the first {@code most} bytes
        ByteBuffer part = dst.slice(dst.position(), Math.min(dst.remaining(), (most + 4095) / 4096 * 4096));
        int n = Math.min(real.read(part, position), most);
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }

      @Override
      public long size() throws IOException {
        return real.size();
      }

      @Override
      protected void implCloseChannel() throws IOException {
        real.close();
      }

      // not used by DirectReader
      @Override public int read(ByteBuffer dst) { throw new UnsupportedOperationException(); }
      @Override public long read(ByteBuffer[] dsts, int offset, int length) { throw new UnsupportedOperationException(); }
      @Override public int write(ByteBuffer src) { throw new UnsupportedOperationException(); }
      @Override public long write(ByteBuffer[] srcs, int offset, int length) { throw new UnsupportedOperationException(); }
      @Override public long position() { throw new UnsupportedOperationException(); }
      @Override public FileChannel position(long p) { throw new UnsupportedOperationException(); }
      @Override public FileChannel truncate(long size) { throw new UnsupportedOperationException(); }
      @Override public void force(boolean metaData) { throw new UnsupportedOperationException(); }
      @Override public long transferTo(long p, long c, WritableByteChannel t) { throw new UnsupportedOperationException(); }
      @Override public long transferFrom(ReadableByteChannel s, long p, long c) { throw new UnsupportedOperationException(); }
      @Override public int write(ByteBuffer src, long position) { throw new UnsupportedOperationException(); }
      @Override public MappedByteBuffer map(MapMode mode, long p, long size) { throw new UnsupportedOperationException(); }
      @Override public FileLock lock(long p, long size, boolean shared) { throw new UnsupportedOperationException(); }
      @Override public FileLock tryLock(long p, long size, boolean shared) { throw new UnsupportedOperationException(); }
    };
  }

  @Test
  void shortReadsBeforeTheEndOfTheFileAreReadOnNotTakenForTheEnd() throws Exception {
    byte[] content = random(SIZE, 14);
    Path f = file(content);
    directOrSkip(f).close();
    try (SeekableByteChannel ch = DirectReader.over(shortReads(f, 4096))) {
      ch.position(DirectReader.BUFFER + 10_000); // far beyond the first short read of its block run
      ByteBuffer b = ByteBuffer.allocate(100_000);
      assertThat(ch.read(b)).isEqualTo(100_000);
      assertThat(b.array()).isEqualTo(Arrays.copyOfRange(content, DirectReader.BUFFER + 10_000,
          DirectReader.BUFFER + 110_000));
      ch.position(0);
      assertThat(readToEnd(ch, 15)).isEqualTo(content);
    }
  }

  @Test
  void aShortReadThatStopsInsideAPageBeforeTheEndIsAnErrorNotTheEnd() throws Exception {
    Path f = file(random(SIZE, 16));
    directOrSkip(f).close();
    try (SeekableByteChannel ch = DirectReader.over(shortReads(f, 4096 + 512))) {
      ch.position(3 * 4096 + 1000);
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(10)))
          .isInstanceOf(java.io.IOException.class).hasMessageContaining("before the end of the file");
    }
  }

  /** Reads everything from the current position in pieces of 1 byte to 300 KiB. */
  private static byte[] readToEnd(SeekableByteChannel ch, long seed) throws Exception {
    SplittableRandom r = new SplittableRandom(seed);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    while (true) {
      ByteBuffer b = ByteBuffer.allocate(r.nextInt(4) == 0 ? 1 + r.nextInt(16) : 1 + r.nextInt(300_000));
      int n = ch.read(b);
      if (n < 0) {
        return out.toByteArray();
      }
      assertThat(n).as("a read before the end fills the buffer, or stops only at the end").isPositive();
      out.write(b.array(), 0, n);
    }
  }

  @Test
  void readsTheWholeFileExactlyInUnevenPieces() throws Exception {
    byte[] content = random(SIZE, 1);
    try (SeekableByteChannel ch = directOrSkip(file(content))) {
      assertThat(ch.size()).isEqualTo(SIZE);
      assertThat(readToEnd(ch, 2)).isEqualTo(content);
      assertThat(ch.position()).isEqualTo(SIZE);
      assertThat(ch.read(ByteBuffer.allocate(10))).as("at the end").isEqualTo(-1);
      assertThat(ch.read(ByteBuffer.allocate(0))).as("nothing asked, nothing read").isZero();
    }
  }

  @Test
  void readsFromAnyPositionIncludingUnalignedOnesAndBackwards() throws Exception {
    byte[] content = random(SIZE, 3);
    try (SeekableByteChannel ch = directOrSkip(file(content))) {
      SplittableRandom r = new SplittableRandom(4);
      for (int i = 0; i < 200; i++) {
        int at = r.nextInt(SIZE);
        int len = 1 + r.nextInt(200_000);
        ByteBuffer b = ByteBuffer.allocate(len);
        ch.position(at);
        int n = ch.read(b);
        int expected = Math.min(len, SIZE - at);
        assertThat(n).as("read of %d at %d", len, at).isEqualTo(expected);
        assertThat(Arrays.copyOf(b.array(), n)).isEqualTo(Arrays.copyOfRange(content, at, at + n));
        assertThat(ch.position()).isEqualTo(at + n);
      }
      ch.position(SIZE + 100);
      assertThat(ch.read(ByteBuffer.allocate(10))).as("past the end").isEqualTo(-1);
      ch.position(0);
      assertThat(readToEnd(ch, 5)).isEqualTo(content);
    }
  }

  @Test
  void anEmptyFileAndAFileOfExactlyOneBufferEndCleanly() throws Exception {
    try (SeekableByteChannel ch = directOrSkip(file(new byte[0]))) {
      assertThat(ch.read(ByteBuffer.allocate(10))).isEqualTo(-1);
    }
    byte[] content = random(DirectReader.BUFFER, 6);
    try (SeekableByteChannel ch = directOrSkip(file(content))) {
      assertThat(readToEnd(ch, 7)).isEqualTo(content);
    }
  }

  @Test
  void isReadOnlyAndRefusesUseAfterClose() throws Exception {
    SeekableByteChannel ch = directOrSkip(file(random(1000, 8)));
    assertThatThrownBy(() -> ch.write(ByteBuffer.allocate(1))).isInstanceOf(NonWritableChannelException.class);
    assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(NonWritableChannelException.class);
    assertThatThrownBy(() -> ch.position(-1)).isInstanceOf(IllegalArgumentException.class);
    ch.close();
    assertThat(ch.isOpen()).isFalse();
    assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(1))).isInstanceOf(ClosedChannelException.class);
  }

  @Test
  void withoutDirectIoItIsAnOrdinaryChannelOverTheSameBytes() throws Exception {
    byte[] content = random(SIZE, 9);
    try (SeekableByteChannel ch = DirectReader.open(file(content), false)) {
      assertThat(ch).isNotInstanceOf(DirectReader.class);
      assertThat(readToEnd(ch, 10)).isEqualTo(content);
    }
  }

  @Test
  void seesBytesJustWrittenThroughThePageCache() throws Exception {
    byte[] content = random(SIZE, 11);
    Path f = file(content);
    byte[] tail = random(5000, 12);
    Files.write(f, tail, java.nio.file.StandardOpenOption.APPEND); // dirty in the page cache, not fsynced
    try (SeekableByteChannel ch = directOrSkip(f)) {
      byte[] all = readToEnd(ch, 13);
      assertThat(all).hasSize(SIZE + tail.length);
      assertThat(Arrays.copyOfRange(all, SIZE, all.length)).isEqualTo(tail);
    }
  }

  @Test
  void aSmallFileGetsASmallBufferAndALargeOneTheFullBuffer() {
    int align = DirectAppender.ALIGN;
    assertThat(DirectReader.capacityFor(0)).isEqualTo(align);
    assertThat(DirectReader.capacityFor(1)).isEqualTo(align);
    assertThat(DirectReader.capacityFor(align)).isEqualTo(align);
    assertThat(DirectReader.capacityFor(align + 1)).isEqualTo(2 * align);
    assertThat(DirectReader.capacityFor(DirectReader.BUFFER - 1)).isEqualTo(DirectReader.BUFFER);
    assertThat(DirectReader.capacityFor(Long.MAX_VALUE)).isEqualTo(DirectReader.BUFFER);
  }

  @Test
  void filesAroundTheAlignmentAreReadExactly() throws Exception {
    int align = DirectAppender.ALIGN;
    for (int size : new int[] {1, 4095, 4096, 4097, align - 1, align, align + 1, 3 * align + 7}) {
      byte[] content = random(size, 100 + size);
      try (SeekableByteChannel ch = directOrSkip(file(content))) {
        assertThat(readToEnd(ch, size)).as("%d bytes", size).isEqualTo(content);
        ch.position(size / 2);
        assertThat(readToEnd(ch, size + 1L)).as("%d bytes from the middle", size)
            .isEqualTo(Arrays.copyOfRange(content, size / 2, size));
      }
    }
  }

  @Test
  void aFileThatGrowsAfterOpeningIsStillReadWhole() throws Exception {
    byte[] head = random(100, 17);
    Path f = file(head);
    try (SeekableByteChannel ch = directOrSkip(f)) { // sized for 100 bytes: one aligned block
      byte[] tail = random(SIZE, 18);
      Files.write(f, tail, java.nio.file.StandardOpenOption.APPEND);
      byte[] all = readToEnd(ch, 19);
      assertThat(all).hasSize(head.length + tail.length);
      assertThat(Arrays.copyOfRange(all, 0, head.length)).isEqualTo(head);
      assertThat(Arrays.copyOfRange(all, head.length, all.length)).isEqualTo(tail);
    }
  }
}
