package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnavailableException;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.UploadSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file being written into /outbox: every byte goes to the core's {@link UploadSession}, which
 * validates the envelope as it arrives (plaintext is refused at its first bytes). Only an explicit
 * SFTP CLOSE ({@link #closeRequested}) finishes the upload, which verifies and commits it; a
 * connection that ends without CLOSE (or a lockdown or revocation that cuts it) commits nothing, and
 * what it sent is deleted at once: SFTP clients cannot resume it. Writes must be sequential (SFTP clients send them so).
 *
 * <p>Throughput (docs/sftp.md, "Throughput"): OpenSSH sends 32 KiB writes. The SFTP subsystem's
 * single thread copies them into {@value #CHUNK}-byte chunks and hands full chunks to this upload's
 * own writer thread, which runs the core's {@code append} (envelope inspection and hashing, limits,
 * the disk write and the core's periodic fsync checkpoints). So the subsystem thread, which also
 * acknowledges the client's writes and releases its SSH window, never waits for validation or
 * disk unless {@value #IN_FLIGHT} chunks are already queued (back-pressure; memory per upload is
 * bounded by {@code (IN_FLIGHT + 1) * CHUNK}, and every chunk buffer is taken from the server-wide
 * {@link UploadBudget}: an upload that gets none appends each write directly instead). Nothing is weakened: every byte still goes through
 * {@code append} in order; the first {@value #SYNC_PREFIX} bytes are validated before the write is
 * acknowledged (plaintext and a foreign sender's header are refused at once); a refusal found later
 * fails the next write and the CLOSE; {@code finish} (full verification, fsync, commit) runs only
 * after every chunk was appended, and only on CLOSE. Every call into the session runs on the writer
 * thread, one at a time, so the session is never used concurrently.
 */
final class UploadChannel extends TransferChannel {
  private static final Logger LOG = LoggerFactory.getLogger(UploadChannel.class);
  /** Bytes handed to the core per append: amortises its per-call checks (identity, quota). */
  static final int CHUNK = 1 << 20;
  /** Chunks queued for the writer thread beyond the one being filled. */
  static final int IN_FLIGHT = 2;
  /** Appended synchronously, so that the header's checks answer the very first writes. */
  static final int SYNC_PREFIX = 64 * 1024;

  private final UploadSession session;
  private final UploadBudget budget;
  private final ExecutorService writer;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(IN_FLIGHT + 1);
  private int allocated;
  private byte[] filling;
  private int filled;
  private Future<?> last;
  /** Volatile: a STAT or FSTAT of the upload ({@link VirtualTree#attributes}) may read it on another thread. */
  private volatile long position;
  /**
   * Where the client's next request is (MINA sets it before each read or write): checked by {@link #write}, so that a
   * READ on this handle is refused as a read, not taken for a write out of sequence that ends the upload.
   */
  private long requested;
  /** Set by the writer thread when the core refused or failed; read by the subsystem thread. */
  private volatile IOException failure;

  UploadChannel(UploadSession session, UploadBudget budget) {
    this.session = session;
    this.budget = budget;
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sealdrop-sftp-upload-" + session.uploadId());
      t.setDaemon(true);
      return t;
    });
    // a handle left open and unwritten while its SSH session stays busy otherwise: ended as a lockdown ends it
    session.onStall(why -> cut(why.reason(), why.getMessage()));
  }

  /** Whether the core cut this upload already (a stall, a lockdown): the first cut's reason is the one told. */
  private final java.util.concurrent.atomic.AtomicBoolean wasCut = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * The core cuts this upload (a lockdown; called on an admin's thread): it fails from now on with
   * the reason, even if the client is stalled now and writes again only after the lockdown was
   * lifted, and what it received is deleted at once (audited {@code upload.abort} with the reason),
   * as for a gRPC upload stream, which the lockdown closes. The session work runs on the writer
   * thread, after the chunks already queued, as every call into the session does.
   *
   * @return whether this counts as a transfer cut: for a lockdown. An admin's disable or revocation
   *     also reaches here (same identity) but counts and closes the SSH session the upload belongs to
   *     ({@link LoginSessions}), so it is not counted twice.
   */
  boolean cut(Reason reason, String why) {
    if (!wasCut.compareAndSet(false, true)) {
      return false; // cut already (stalled, then a lockdown: round AB, the lockdown's reason replaced the stall's)
    }
    UnavailableException e = new UnavailableException(reason, why);
    failure = SftpErrors.toIo(e);
    try {
      writer.execute(() -> {
        session.abort(e);
        session.discard();
      });
    } catch (RejectedExecutionException closed) {
      return false; // closed meanwhile: close() ended the upload
    }
    return reason == Reason.LOCKED_DOWN;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    checkUsable();
    session.active(); // this write may only fill a buffer: the core hears of it at the next full chunk
    if (requested != position) {
      failure = new SftpException(SftpConstants.SSH_FX_FAILURE, "uploads are written sequentially from offset 0"
          + " (got offset " + requested + ", expected " + position + "); resuming is not supported over SFTP,"
          + " upload the whole file again");
      // audited as a refusal; on the writer thread, after the queued appends (the session is used there only)
      writer.execute(() -> session.abort(new dev.sealdrop.server.core.InvalidRequestException(
          dev.sealdrop.server.core.Reason.INVALID_REQUEST, "SFTP writes must be sequential")));
      throw failure;
    }
    int n = src.remaining();
    if (position < SYNC_PREFIX || !buffering()) {
      byte[] data = new byte[n];
      src.get(data);
      await(submit(data, null)); // validated before the client hears "OK"
      checkUsable();
    } else {
      while (src.hasRemaining()) {
        if (filling == null) {
          filling = takeBuffer();
          filled = 0;
        }
        int k = Math.min(src.remaining(), CHUNK - filled);
        src.get(filling, filled, k);
        filled += k;
        if (filled == CHUNK) {
          byte[] full = filling;
          filling = null;
          last = submit(full, full);
        }
      }
    }
    position += n;
    requested = position;
    return n;
  }

  /**
   * Whether this write goes through a chunk buffer: false while the upload has none and the
   * server-wide budget gives none (the write is then appended directly, like the first bytes).
   */
  private boolean buffering() throws IOException {
    if (filling == null && allocated == 0) {
      filling = takeBuffer();
      filled = 0;
    }
    return filling != null || allocated > 0;
  }

  /** Appends {@code data} on the writer thread; {@code recycle} goes back to the pool afterwards. */
  private Future<?> submit(byte[] data, byte[] recycle) {
    return writer.submit(() -> {
      try {
        if (failure == null) {
          session.append(data);
        }
      } catch (RuntimeException | Error e) {
        // an Error too (no memory, no thread for a checkpoint): left in a Future nobody reads, the upload went on
        // without this chunk and failed at CLOSE as a bad signature (review EN)
        failure = failureOf(e);
      } finally {
        if (recycle != null) {
          free.add(recycle); // never full: at most IN_FLIGHT + 1 buffers exist
        }
      }
    });
  }

  private byte[] takeBuffer() throws IOException {
    byte[] b = free.poll();
    if (b != null) {
      return b;
    }
    if (allocated < IN_FLIGHT + 1 && budget.tryTake(CHUNK)) {
      allocated++;
      return new byte[CHUNK];
    }
    if (allocated == 0) {
      return null; // none of its own and none in the budget: see buffering()
    }
    try {
      return free.take(); // back-pressure: the writer thread is IN_FLIGHT chunks behind
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("upload interrupted");
    }
  }

  /** Waits for a writer-thread task, uninterruptibly (MINA interrupts the subsystem thread on disconnect). */
  private static void await(Future<?> f) throws IOException {
    if (f == null) {
      return;
    }
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          throw new IOException("server: internal error in the upload writer", e.getCause());
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    checkUsable();
    requested = newPosition; // a write checks it (a read of this handle is refused whatever the offset)
    return this;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public long size() {
    return position;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    requested = position;
    // refused as what it is; the upload goes on (outside test: a READ was told "written sequentially", and ended it)
    throw new SftpException(SftpConstants.SSH_FX_PERMISSION_DENIED, "this handle writes an upload; it cannot be"
        + " read (the file can be read once uploaded, by its recipients, through a grant)");
  }

  @Override
  public SeekableByteChannel truncate(long size) throws IOException {
    throw new SftpException(SftpConstants.SSH_FX_OP_UNSUPPORTED, "uploads cannot be truncated");
  }

  /** Closing after the client's SSH_FXP_CLOSE means "commit"; any other close commits nothing. */
  @Override
  void end(boolean closeRequested) throws IOException {
    try {
      boolean commit = closeRequested && failure == null;
      if (commit && filling != null && filled > 0) {
        last = submit(Arrays.copyOf(filling, filled), null);
      }
      filling = null;
      // Runs after every queued append (the executor is FIFO); the session is used by this thread only.
      Future<StoredFile> end = writer.submit(() -> commit && failure == null ? finish() : abandon());
      StoredFile file = awaitResult(end);
      if (file != null) {
        // committed: a cut that came while the commit ran (a stall stop, an admin's act) found nothing left to end, and
        // the client is told it was stored (review DO: told "deleted, put the whole file again" while it was listed,
        // and a pipeline that did put it twice)
        committedAs = file.id();
        LOG.info("SFTP upload {} committed as /outbox/{}", session.uploadId(), file.id());
        return;
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      writer.shutdown();
      budget.give((long) allocated * CHUNK); // the writer is done with them: close waited for it
      allocated = 0;
      if (!sessionEnded) {
        endSessionHere();
      }
    }
  }

  /** The id of the file this upload was committed as, once its CLOSE committed it; null otherwise. */
  private volatile String committedAs;

  /** The id of the file this upload was committed as; null if it was not (refused, cut, or not closed yet). */
  String committedFileId() {
    return committedAs;
  }

  /** Set by the writer thread once {@link #finish} or {@link #abandon} ended the session. */
  private volatile boolean sessionEnded;

  /**
   * Ends the session on this thread when the end task did not (its submission or the copy before it ran out of memory,
   * the writer could not start a thread, or it threw an Error): otherwise the upload would hold its stream slot, and
   * its owner's share, until a restart (a review of the max-upload-streams change). Waits for the writer to finish
   * what it has queued first, as the session is never used by two threads at once.
   */
  private void endSessionHere() {
    // uninterruptibly, as await() waits (review DD: MINA interrupts this thread on a disconnect, and the wait ended at
    // once, so the session was discarded while the writer still worked on it)
    boolean interrupted = false;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    try {
      while (true) {
        try {
          if (!writer.awaitTermination(Math.max(0, deadline - System.nanoTime()),
              java.util.concurrent.TimeUnit.NANOSECONDS)) {
            LOG.error("SFTP upload {}: its writer did not stop within 30 s; the upload is ended beside it",
                session.uploadId());
          }
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      try {
        session.discard();
      } catch (RuntimeException | Error e) {
        LOG.error("SFTP upload {} could not be ended: {}", session.uploadId(), e.toString());
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What a failure of the session on the writer thread is told as. */
  private static IOException failureOf(Throwable e) {
    return e instanceof OutOfMemoryError oom
        ? SftpErrors.toIo(dev.sealdrop.server.core.LimitExceededException.shortOfMemory(oom))
        : SftpErrors.toIo(e instanceof RuntimeException r ? r : new IllegalStateException(e));
  }

  private StoredFile finish() {
    try {
      return session.finish();
    } catch (RuntimeException | Error e) {
      failure = failureOf(e);
      session.discard(); // a refusal at CLOSE (lockdown, quota, ...) keeps nothing either
      return null;
    } finally {
      sessionEnded = true; // ended, or discard threw after ending it (its first step)
    }
  }

  /**
   * No CLOSE, or a refusal or failure: nothing is committed, and what was received is deleted now
   * (a refused upload already was): SFTP clients cannot resume it.
   */
  private StoredFile abandon() {
    try {
      session.discard();
    } finally {
      sessionEnded = true;
    }
    if (failure == null) {
      LOG.info("SFTP upload {} ended without CLOSE after {} bytes; nothing committed", session.uploadId(), position);
    }
    return null;
  }

  private static <T> T awaitResult(Future<T> f) throws IOException {
    await(f);
    try {
      return f.get();
    } catch (InterruptedException | ExecutionException e) {
      throw new IOException("server: internal error in the upload writer", e);
    }
  }

  private void checkUsable() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw f;
    }
    if (!isOpen()) {
      throw new ClosedChannelException();
    }
  }
}
