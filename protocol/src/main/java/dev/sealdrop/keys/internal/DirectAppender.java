package dev.sealdrop.keys.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Appends to a file that is going to be fsynced anyway, bypassing the page cache where the file
 * system allows ({@code O_DIRECT}): whole aligned blocks go straight from aligned direct buffers to
 * the disk. On this project's machines a page-cache write costs about 1.7 s of CPU per GiB (the
 * kernel allocating and accounting fresh pages; {@code dd} measures it), a direct write about 0.5 s,
 * and the bytes are then on their way to the disk already instead of waiting as dirty pages for the
 * final fsync. The server's upload files use it (server CPU per GiB sent: about 6.7 s before, 4.5 s
 * after), and so does the plaintext of an envelope being opened ({@link DirectFileOutput}): since a
 * receive no longer writes a ciphertext spool, the disk takes the plaintext alone (a 1 GiB receive:
 * CLI system CPU 2.9-3.2 s before, 1.5-1.7 s after; docs/benchmarks.md, session 24). Session 4 tried it
 * with the spool still written beside it, and receiving got slower.
 *
 * <p>The unaligned end (less than {@link #BLOCK_BUFFER} bytes) is written through an ordinary
 * descriptor by {@link #sync()} and {@link #close()}; the kernel keeps the two views coherent.
 * Where {@code O_DIRECT} is refused (tmpfs, some overlay or network file systems), every write goes
 * through the ordinary descriptor: the result is the same file, only slower. A file system that takes
 * {@code O_DIRECT} at open but refuses a direct write as invalid ({@code EINVAL}) gets that block, and
 * every later one, through the ordinary descriptor too.
 *
 * <p>Full blocks are written by a background thread while the caller fills the next one (at most
 * {@link #BUFFERS} buffers per file, so memory is bounded); a failed block write fails the next
 * call. {@link #write} and {@link #sync} may be called from different threads; {@link #sync}
 * returns the length it made durable, which covers every byte written before it was called.
 */
public final class DirectAppender implements AutoCloseable {
  /** Bytes collected before a direct write: a multiple of every block size in use (up to 64 KiB). */
  static final int BLOCK_BUFFER = 512 * 1024;
  /** Buffers per file: one being filled, the others being written. */
  static final int BUFFERS = 3;
  /** File offsets, lengths and buffer addresses of direct I/O are multiples of this (and of the block size). */
  static final int ALIGN = 64 * 1024;

  private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "direct-writer");
    t.setDaemon(true);
    return t;
  });

  private final FileChannel plain;
  private final FileChannel direct;
  /** Buffers not in use, for the next block. */
  private final BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(BUFFERS);
  /** The block being filled. */
  private ByteBuffer buffer;
  /** File offset of buffer[0]; aligned when {@link #direct} is used. */
  private long bufferStart;
  /** The block writes submitted so far, in order; completes when the last one has. */
  private CompletableFuture<Void> writing = CompletableFuture.completedFuture(null);
  /** Set once a direct write was refused as invalid: the rest goes through {@link #plain}. */
  private volatile boolean directRefused;
  /** The first failed block write; later blocks are not written. */
  private volatile Exception failure;
  private boolean closed;

  /** Over descriptors opened by the caller ({@code direct}: null, or opened with {@code O_DIRECT}); for tests. */
  static DirectAppender over(FileChannel plain, FileChannel direct, long offset) throws IOException {
    return new DirectAppender(plain, direct, offset);
  }

  private DirectAppender(FileChannel plain, FileChannel direct, long offset) throws IOException {
    this.plain = plain;
    this.direct = direct;
    ByteBuffer all = ByteBuffer.allocateDirect(BUFFERS * BLOCK_BUFFER + ALIGN).alignedSlice(ALIGN);
    for (int i = 0; i < BUFFERS; i++) {
      free.add(all.slice(i * BLOCK_BUFFER, BLOCK_BUFFER));
    }
    this.buffer = free.remove();
    this.bufferStart = direct == null ? offset : offset - offset % ALIGN;
    // the bytes of the first block before offset are rewritten with it
    while (bufferStart + buffer.position() < offset) {
      if (plain.read(buffer, bufferStart + buffer.position()) < 0) {
        throw new IOException("the file ended before offset " + offset);
      }
    }
  }

  /**
   * Opens {@code file} (created if {@code create}), cuts it to {@code offset} bytes and appends from there.
   *
   * @throws IOException if the file holds fewer than {@code offset} bytes, or cannot be opened
   */
  public static DirectAppender open(Path file, long offset, boolean create) throws IOException {
    return open(file, offset, create, true);
  }

  /** As {@link #open(Path, long, boolean)}; {@code tryDirect} false: the ordinary path only (for tests). */
  static DirectAppender open(Path file, long offset, boolean create, boolean tryDirect) throws IOException {
    Objects.requireNonNull(file, "file");
    OpenOption[] options = create ? new OpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE} : new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE};
    FileChannel plain = FileChannel.open(file, options);
    FileChannel direct = null;
    try {
      if (plain.size() < offset) {
        throw new IOException(file.getFileName() + " holds " + plain.size() + " bytes, fewer than " + offset);
      }
      plain.truncate(offset);
      direct = tryDirect ? openDirect(file, StandardOpenOption.WRITE) : null;
      return new DirectAppender(plain, direct, offset);
    } catch (IOException | RuntimeException | Error e) { // Error: e.g. no direct memory left for the buffers
      plain.close();
      if (direct != null) {
        direct.close();
      }
      throw e;
    }
  }

  /**
   * An {@code O_DIRECT} descriptor opened for {@code mode} (READ or WRITE), or null where the JDK or
   * the file system refuses one or its block size does not divide {@link #ALIGN}.
   */
  static FileChannel openDirect(Path file, StandardOpenOption mode) {
    try {
      long block = Files.getFileStore(file).getBlockSize();
      if (block <= 0 || ALIGN % block != 0) {
        return null;
      }
      return FileChannel.open(file, mode, com.sun.nio.file.ExtendedOpenOption.DIRECT);
    } catch (IOException | UnsupportedOperationException | LinkageError e) {
      return null;
    }
  }

  private static void writeAt(FileChannel target, ByteBuffer block, long at) throws IOException {
    long position = at;
    while (block.hasRemaining()) {
      position += target.write(block, position);
    }
  }

  /** True if whole blocks bypass the page cache. */
  public boolean isDirect() {
    return direct != null && !directRefused;
  }

  /** Appends {@code len} bytes of {@code data}. */
  public synchronized void write(byte[] data, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, data.length);
    ensureOpen();
    while (len > 0) {
      int n = Math.min(len, buffer.remaining());
      buffer.put(data, off, n);
      off += n;
      len -= n;
      if (!buffer.hasRemaining()) {
        drainFull();
      }
    }
  }

  /** For tests: closes the descriptors under the appender, so that every later write to the disk fails. */
  void failTheDisk() throws IOException {
    plain.close();
    if (direct != null) {
      direct.close();
    }
  }

  /** Bytes handed to block writes so far (in the file, or being written); the rest is buffered. */
  synchronized long handedOff() {
    return bufferStart;
  }

  /** File length once everything written so far is in the file. */
  public synchronized long length() {
    return bufferStart + buffer.position();
  }

  /**
   * Makes every byte written so far durable (data and the file's length) and returns the length
   * that now is. The fsync itself runs outside the lock, so writes may go on meanwhile.
   */
  public long sync() throws IOException {
    long covered;
    synchronized (this) {
      ensureOpen();
      awaitWrites();
      covered = failing(this::writeTail);
    }
    failing(() -> {
      plain.force(true);
      return 0L;
    });
    return covered;
  }

  /** An I/O step whose failure leaves the file's bytes unknown. */
  private interface Step {
    long run() throws IOException;
  }

  /**
   * Runs {@code step}; its failure is kept as this file's, so that every later sync, flush and close fails too, and the
   * next write that fills a block (a write into the block being filled is only buffered). After a
   * failed fsync Linux reports the lost write-back once: a second fsync succeeds though those bytes never reach the
   * disk (review EQ: an upload stopped by the first took the second's success as durable).
   */
  private long failing(Step step) throws IOException {
    try {
      return step.run();
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        if (failure == null) {
          failure = e;
        }
      }
      throw e;
    }
  }

  /** Puts every byte written so far in the file (readable through another descriptor), without an fsync. */
  public synchronized void flush() throws IOException {
    ensureOpen();
    awaitWrites();
    failing(this::writeTail);
  }

  /** Writes what is buffered (not fsynced) and closes the file. */
  @Override
  public synchronized void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try (plain; FileChannel d = direct) {
      awaitWrites();
      writeTail();
    }
  }

  /** Hands the full buffer to the writer thread as one aligned block and starts the next one. */
  private void drainFull() throws IOException {
    throwIfFailed();
    ByteBuffer next;
    try {
      next = free.take(); // waits while every other buffer is being written; each write gives its buffer back
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the disk");
    }
    ByteBuffer block = buffer.flip();
    long at = bufferStart;
    FileChannel target = direct != null && !directRefused ? direct : plain;
    // the task never throws, so every queued write runs (skipping the disk after a failure) and gives its buffer back
    writing = writing.thenRunAsync(() -> {
      try {
        if (failure == null) {
          writeAt(target, block, at);
        }
      } catch (IOException e) {
        if (target == plain || !"Invalid argument".equals(e.getMessage())) {
          failure = e;
        } else {
          directRefused = true; // O_DIRECT taken at open, its writes refused: the ordinary descriptor from here on
          try {
            writeAt(plain, block.position(0), at);
          } catch (IOException | RuntimeException again) {
            failure = again;
          }
        }
      } catch (RuntimeException e) {
        failure = e;
      } finally {
        free.add(block.clear());
      }
    }, WRITERS);
    bufferStart = at + BLOCK_BUFFER;
    buffer = next;
  }

  /** Waits for the block writes submitted so far; throws the first failure. */
  private void awaitWrites() throws IOException {
    writing.join();
    throwIfFailed();
  }

  private void throwIfFailed() throws IOException {
    Exception f = failure;
    if (f != null) {
      throw new IOException("writing to the file failed: " + f.getMessage(), f);
    }
  }

  /** Puts the buffered bytes in the file through the ordinary descriptor, keeping them buffered. */
  private long writeTail() throws IOException {
    int end = buffer.position();
    ByteBuffer view = buffer.duplicate().flip();
    long at = bufferStart;
    while (view.hasRemaining()) {
      at += plain.write(view, at);
    }
    if (direct == null && end > 0) { // no alignment to keep: start afresh after the tail
      bufferStart += end;
      buffer.clear();
    }
    return bufferStart + (direct == null ? 0 : end);
  }

  private void ensureOpen() throws IOException {
    if (closed) {
      throw new IOException("the file is closed");
    }
  }
}
