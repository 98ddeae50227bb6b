package dev.sealdrop.keys.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Reads a file without the page cache where the file system allows ({@code O_DIRECT}): aligned
 * blocks go from the disk straight into one aligned buffer of {@link #BUFFER} bytes, and reads are
 * served from it. For files read once, from start to end, that nobody expects in memory: the
 * server's stored envelopes, which {@link DirectAppender} wrote past the page cache too. A
 * page-cache read of a file that is not cached makes the kernel allocate a fresh page for every 4
 * KiB and copy it; on this project's machines that cost about 1.9 s of CPU per GiB downloaded
 * (the server's call thread in {@code _copy_to_iter}), more than the rest of the download path.
 *
 * <p>Where {@code O_DIRECT} is refused, {@link #open} returns an ordinary channel: the same bytes,
 * only through the page cache. Read-only; one reader at a time (like any channel with a position).
 */
public final class DirectReader implements SeekableByteChannel {
  /** Bytes read from the disk at a time: a multiple of {@link DirectAppender#ALIGN}. */
  static final int BUFFER = 512 * 1024;
  private static final int ALIGN = DirectAppender.ALIGN;
  /** Direct reads may resume after a short read that ended on a multiple of this. */
  private static final int PAGE = 4096;

  private final FileChannel direct;
  /** File bytes [bufferStart, bufferStart + buffer.limit()); empty until the first read. */
  private final ByteBuffer buffer;
  private long bufferStart;
  private long position;

  private DirectReader(FileChannel direct) throws IOException {
    this.direct = direct;
    int capacity = capacityFor(direct.size());
    this.buffer = ByteBuffer.allocateDirect(capacity + ALIGN).alignedSlice(ALIGN).limit(0);
  }

  /**
   * {@link #BUFFER}, or less for a smaller file: its size rounded up to {@link #ALIGN}, so that a
   * small file costs a small buffer. (The channel is read-only, so the file cannot outgrow it
   * through this reader; if another writer extends it, reads still see every byte, in more fills.)
   */
  static int capacityFor(long fileSize) {
    if (fileSize >= BUFFER) {
      return BUFFER;
    }
    return (int) Math.max(ALIGN, (fileSize + ALIGN - 1) / ALIGN * ALIGN);
  }

  /** Opens {@code file} for reading, past the page cache where the file system allows. */
  public static SeekableByteChannel open(Path file) throws IOException {
    return open(file, true);
  }

  /** As {@link #open(Path)}; {@code tryDirect} false: the ordinary channel (for tests). */
  static SeekableByteChannel open(Path file, boolean tryDirect) throws IOException {
    Objects.requireNonNull(file, "file");
    FileChannel direct = tryDirect ? DirectAppender.openDirect(file, StandardOpenOption.READ) : null;
    if (direct == null) {
      return FileChannel.open(file, StandardOpenOption.READ);
    }
    try {
      return new DirectReader(direct);
    } catch (OutOfMemoryError e) { // no direct memory left for the buffer: read through the page cache
      direct.close();
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException | RuntimeException | Error e) {
      try {
        direct.close();
      } catch (IOException closing) {
        e.addSuppressed(closing); // the first failure is the one to report
      }
      throw e;
    }
  }

  /** Over an already opened {@code O_DIRECT} channel (tests). */
  static DirectReader over(FileChannel direct) throws IOException {
    return new DirectReader(direct);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    ensureOpen();
    int total = 0;
    while (dst.hasRemaining()) {
      long at = position - bufferStart;
      if (at < 0 || at >= buffer.limit()) {
        if (!fill()) {
          break; // end of file
        }
        continue;
      }
      int n = (int) Math.min(buffer.limit() - at, dst.remaining());
      dst.put(buffer.slice((int) at, n));
      position += n;
      total += n;
    }
    return total == 0 && dst.hasRemaining() ? -1 : total;
  }

  /** Reads the aligned block run that holds {@link #position}; false if the file ends before it. */
  private boolean fill() throws IOException {
    bufferStart = position - position % ALIGN;
    buffer.clear();
    // A read may return short: at the end of the file (which leaves the buffer inside a page), or,
    // on some file systems, before it, at a page boundary, where the next direct read may go on.
    while (buffer.hasRemaining() && buffer.position() % PAGE == 0) {
      if (direct.read(buffer, bufferStart + buffer.position()) <= 0) {
        break;
      }
    }
    buffer.flip();
    if (position - bufferStart < buffer.limit()) {
      return true;
    }
    if (position < direct.size()) {
      throw new IOException("a direct read returned " + buffer.limit() + " bytes at offset " + bufferStart
          + ", which is before the end of the file (" + direct.size() + " bytes)");
    }
    return false;
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    ensureOpen();
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position " + newPosition);
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() throws IOException {
    return direct.size();
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return direct.isOpen();
  }

  @Override
  public void close() throws IOException {
    direct.close();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (!direct.isOpen()) {
      throw new ClosedChannelException();
    }
  }
}
