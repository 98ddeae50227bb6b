package dev.sealdrop.keys.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes a new file and, every {@link #FLUSH_EVERY} bytes, forces what was written so far to disk on
 * a background thread while writing goes on. {@link #sync()} forces the rest and returns only once
 * every byte is durable, exactly like writing and then {@link AtomicFiles#fsync}; the difference is
 * that the disk works <em>during</em> the write instead of all at the end (a 1 GiB file otherwise
 * leaves ~1 GiB of dirty pages for one final fsync, since Linux starts write-back only at 10 % of RAM).
 *
 * <p>A failed background flush fails the next write or the sync. Not thread-safe (one writer).
 */
public final class FlushingFileOutput extends OutputStream {
  /** Bytes between background flushes. */
  static final long FLUSH_EVERY = 32L << 20;
  private static final int BUFFER = 256 * 1024;

  private static final ExecutorService FLUSHER = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "file-flusher");
    t.setDaemon(true);
    return t;
  });

  private final FileChannel channel;
  private final long flushEvery;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
  private CompletableFuture<Void> flushing = CompletableFuture.completedFuture(null);
  private long sinceFlush;
  private int flushesStarted;
  private boolean closed;

  private FlushingFileOutput(FileChannel channel, long flushEvery) {
    this.channel = channel;
    this.flushEvery = flushEvery;
  }

  /** Creates {@code file} (truncating an existing one, as {@code Files.newOutputStream} does). */
  public static FlushingFileOutput create(Path file) throws IOException {
    return create(file, FLUSH_EVERY);
  }

  static FlushingFileOutput create(Path file, long flushEvery) throws IOException {
    return new FlushingFileOutput(FileChannel.open(Objects.requireNonNull(file, "file"), StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), flushEvery);
  }

  /** Background flushes started so far (for tests). */
  int flushesStarted() {
    return flushesStarted;
  }

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    if (!buffer.hasRemaining()) {
      drain();
    }
    buffer.put((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureOpen();
    while (len > 0) {
      if (!buffer.hasRemaining()) {
        drain();
      }
      int n = Math.min(len, buffer.remaining());
      buffer.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  /** Hands the buffered bytes to the kernel (not yet durable; {@link #close()} makes them so). */
  @Override
  public void flush() throws IOException {
    ensureOpen();
    drain();
  }

  /**
   * Writes what is buffered and forces every byte to disk; returns once the file is durable, and
   * throws if any of it failed. Call it before {@link #close()} when the file is to be kept.
   */
  public void sync() throws IOException {
    ensureOpen();
    drain();
    awaitFlush();
    channel.force(true);
  }

  /**
   * Writes what is buffered and closes, <em>without</em> waiting for the disk: a file that is to be kept
   * was {@link #sync() synced} first; one that is abandoned (its caller failed) needs no fsync.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (FileChannel ch = channel) {
      drain();
    }
  }

  private void drain() throws IOException {
    buffer.flip();
    int n = buffer.remaining();
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
    buffer.clear();
    sinceFlush += n;
    if (sinceFlush >= flushEvery && flushing.isDone()) {
      awaitFlush(); // rethrows a failure of the previous one
      sinceFlush = 0;
      flushesStarted++;
      flushing = CompletableFuture.runAsync(this::forceQuietly, FLUSHER);
    }
  }

  private void forceQuietly() {
    try {
      channel.force(false);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void awaitFlush() throws IOException {
    try {
      flushing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while flushing to disk");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.io.UncheckedIOException u) {
        throw new IOException("cannot flush the file to disk: " + u.getCause().getMessage(), u.getCause());
      }
      throw new IOException("cannot flush the file to disk", c);
    }
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the file is closed");
    }
  }
}
