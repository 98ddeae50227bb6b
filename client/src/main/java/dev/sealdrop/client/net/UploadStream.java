package dev.sealdrop.client.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An {@link OutputStream} into one {@code Upload} call: bytes are cut into messages of at most
 * the server's {@code max_message_bytes} and sent as gRPC flow control allows (a writer blocks
 * while the transport is not ready, so memory stays bounded). {@link #finish()} sends the last
 * message and waits for the server's verdict. A server-side failure surfaces as
 * {@link BrokenUpload} carrying the gRPC status.
 *
 * <p>The stream can keep the newest messages it sent (up to a byte budget given to {@link #open}):
 * the server may not have stored them yet when the call breaks, and {@link #writeUnacknowledgedTo}
 * hands them, with what is still buffered, to a spool a later run resumes from. The messages are
 * kept as the buffers that were sent: retaining them costs no copy.
 *
 * <p>Each message is sent as the buffer it was filled in, without a copy; the buffer is never written
 * again while a sent message may still refer to it. A buffer is filled again only after its message
 * has left the retained tail, i.e. after gRPC serialised it (which it does within {@code onNext}) and
 * at least {@code retainBytes} more were sent; with nothing retained, every message gets a fresh buffer.
 * A 1 GiB upload thus reuses a few dozen buffers instead of allocating (and zeroing) a thousand.
 */
public final class UploadStream extends OutputStream {
  /** The upload call failed; {@link #status()} says how. */
  public static class BrokenUpload extends IOException {
    private final transient StatusRuntimeException status;

    BrokenUpload(StatusRuntimeException status) {
      super("upload failed: " + describe(status.getStatus()), status);
      this.status = status;
    }

    /**
     * Code, description and the cause's message: never {@link Status#toString()}, which
     * carries the cause's whole stack trace into what the user reads.
     */
    private static String describe(Status s) {
      StringBuilder b = new StringBuilder(s.getCode().toString());
      if (s.getDescription() != null) {
        b.append(": ").append(s.getDescription());
      }
      Throwable c = s.getCause();
      if (c != null && c.getMessage() != null && !c.getMessage().equals(s.getDescription())) {
        b.append(" (").append(c.getMessage()).append(')');
      }
      return b.toString();
    }

    public StatusRuntimeException status() {
      return status;
    }
  }

  /**
   * The server stopped taking the upload while the connection stayed open (it answers keepalive pings): nothing
   * taken for {@link #STALL_AFTER} while a message waited, or no verdict within {@link #VERDICT_WITHIN} of the last
   * message. The call is cancelled; what the server received is kept there, so the upload resumes.
   */
  public static final class StalledUpload extends BrokenUpload {
    StalledUpload(String what) {
      super(Status.UNAVAILABLE.withDescription(what).asRuntimeException());
    }
  }

  /**
   * The longest the server may take nothing while a message waits to be sent (round CE: a send waited for ever): as
   * long as the server's own upload-stall-timeout. The transport is ready again only once about a message (1 MiB by
   * default) has drained, so this also sets the slowest link that is not taken for a stall: 1 MiB in 10 minutes,
   * about 14 kbit/s (review CI: 2 minutes refused links below 70 kbit/s).
   */
  static final Duration STALL_AFTER = Duration.ofMinutes(10);
  /**
   * The longest the server may take to give its verdict once the last message is handed over, beyond the time what
   * the transport still holds (a few MiB) takes to drain at the rate the upload went so far.
   */
  static final Duration VERDICT_WITHIN = Duration.ofMinutes(10);
  /**
   * What a resumed upload adds to both limits until the server must have taken something, per byte it already holds: it
   * reads and hashes that prefix again before it reads the stream (5 MB/s of a slow disk; review CI: a 6 GiB prefix
   * read at 40 MB/s took longer than a fixed limit, and every resume stalled).
   */
  private static final long REREAD_NANOS_PER_BYTE = 200;
  /** The HTTP/2 stream window a sealdrop server gives an upload (its flowControlWindow, 4 MiB), with room to spare. */
  private static final long WINDOW_BYTES = 8L << 20;

  /**
   * The least a retaining stream keeps. Its buffers are refilled only after this many more bytes
   * were sent, far more than gRPC may still hold for a transparent retry (its per-call retry buffer
   * is 1 MiB by default; the call commits, and drops what it kept, once a message pushes past it).
   */
  static final long MIN_RETAIN_BYTES = 16L << 20;

  private final Object lock = new Object();
  private final CompletableFuture<UploadResponse> result = new CompletableFuture<>();
  private final int messageBytes;
  /** The message being filled (null until the first byte after a send); never one a sent message refers to. */
  private byte[] buffer;
  /** The newest messages sent, oldest first, together at most {@link #retainBytes} (plus one message). */
  private final java.util.ArrayDeque<Sent> retained = new java.util.ArrayDeque<>();
  /** Buffers of messages that left the retained tail, to be filled again. */
  private final java.util.ArrayDeque<byte[]> spare = new java.util.ArrayDeque<>();
  private final long retainBytes;
  private final long stallNanos;
  private final long verdictNanos;
  /** Upload offset this stream started at (a resume's is the server's committed offset). */
  private final long startOffset;
  /**
   * When more than {@link #inFlightBytes} had been handed over, and the upload offset then (-1: not yet): from there on
   * the rate is the link's, as everything before went into buffers at once.
   */
  private long linkFromAt;
  private long linkFromOffset = -1;
  private long retainedBytes;
  /** Upload offset of the first retained byte. */
  private long retainedFrom;
  /** Upload offset just past the last byte accepted by {@link #write} (sent or buffered). */
  private long accepted;
  private ClientCallStreamObserver<UploadRequest> requests;
  private int filled;
  private boolean closed;

  private UploadStream(int messageBytes, long offset, long retainBytes, Duration stallAfter, Duration verdictWithin) {
    this.messageBytes = messageBytes;
    this.retainBytes = retainBytes;
    this.stallNanos = stallAfter.toNanos();
    this.verdictNanos = verdictWithin.toNanos();
    this.startOffset = offset;
    this.retainedFrom = offset;
    this.accepted = offset;
  }

  /**
   * Opens the call and sends the start message (upload id, resume offset); keeps the newest {@code retainBytes} (at
   * least; 0: nothing) of what was sent for {@link #writeUnacknowledgedTo}. The upload fails as {@link StalledUpload}
   * when the server takes nothing for {@code stallAfter} while a message waits, or gives no verdict within
   * {@code verdictWithin} of the last message ({@link #STALL_AFTER}, {@link #VERDICT_WITHIN}).
   */
  static UploadStream open(TransferServiceGrpc.TransferServiceStub stub, String uploadId, long offset,
      int maxMessageBytes, long retainBytes, Duration stallAfter, Duration verdictWithin) throws IOException {
    if (retainBytes > 0 && retainBytes < MIN_RETAIN_BYTES) {
      throw new IllegalArgumentException("retain at least " + MIN_RETAIN_BYTES + " bytes, not " + retainBytes);
    }
    int size = Math.max(4096, Math.min(maxMessageBytes <= 0 ? 1 << 20 : maxMessageBytes, 4 << 20));
    UploadStream s = new UploadStream(size, offset, retainBytes, stallAfter, verdictWithin);
    s.start(stub);
    s.send(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(uploadId).setOffset(offset)).build());
    return s;
  }

  private void start(TransferServiceGrpc.TransferServiceStub stub) {
    // up to two messages queued in the transport: the next is ready to go while this thread seals more
    stub.withOnReadyThreshold(2 * messageBytes).upload(new ClientResponseObserver<UploadRequest, UploadResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<UploadRequest> requestStream) {
        requests = requestStream;
        requestStream.setOnReadyHandler(() -> {
          synchronized (lock) {
            lock.notifyAll();
          }
        });
      }

      @Override
      public void onNext(UploadResponse value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
        synchronized (lock) {
          lock.notifyAll();
        }
      }

      @Override
      public void onCompleted() {
        if (!result.isDone()) {
          result.completeExceptionally(Status.INTERNAL.withDescription("the server sent no response").asRuntimeException());
        }
      }
    });
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (buffer == null) {
        buffer = spare.isEmpty() ? new byte[messageBytes] : spare.removeFirst();
      }
      int n = Math.min(len, messageBytes - filled);
      System.arraycopy(b, off, buffer, filled, n);
      filled += n;
      accepted += n;
      off += n;
      len -= n;
      if (filled == messageBytes) {
        sendBuffer(false);
      }
    }
  }

  /** Upload offset just past the last byte this stream accepted (sent, or buffered to be sent). */
  public long accepted() {
    return accepted;
  }

  /** Upload offset of the first byte {@link #writeUnacknowledgedTo} writes. */
  public long retainedFrom() {
    return retainedFrom;
  }

  /**
   * Writes the retained messages and the buffered bytes, i.e. the upload's bytes from
   * {@link #retainedFrom()} to {@link #accepted()}, for a resume from a spool. Call it once the
   * call has failed or been aborted.
   */
  public void writeUnacknowledgedTo(OutputStream out) throws IOException {
    for (Sent message : retained) {
      message.data().writeTo(out);
    }
    if (filled > 0) {
      out.write(buffer, 0, filled);
    }
  }

  /** Sends what is buffered plus the finish flag, half-closes, and waits for the verdict. */
  public UploadResponse finish() throws IOException {
    sendBuffer(true);
    closed = true;
    requests.onCompleted();
    long limit = verdictNanos + drainNanos() + rereadNanos();
    try {
      return result.get(limit, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      requests.cancel("client aborted the upload", null);
      throw new IOException("interrupted while waiting for the server", e);
    } catch (ExecutionException e) {
      throw broken(e.getCause());
    } catch (TimeoutException e) {
      throw stalled("the server gave no verdict on the upload within " + time(limit) + " of its last byte ("
          + accepted + " bytes sent), though the connection stayed open");
    }
  }

  /** Cancels the call as stalled; the caller throws what this returns. */
  private StalledUpload stalled(String what) {
    closed = true;
    requests.cancel(what, null);
    return new StalledUpload(what);
  }

  /**
   * Until the server must have taken messages, the time it may spend reading again what it already holds of a resumed
   * upload (it reads nothing of the stream meanwhile); 0 once more was sent than the transport holds without the
   * server reading, or for a new upload. (A transport ready again says only that it had room, in the windows too.)
   */
  private long rereadNanos() {
    return accepted - startOffset > inFlightBytes() ? 0 : startOffset * REREAD_NANOS_PER_BYTE;
  }

  /**
   * What may be on its way without the server having read it: gRPC's queue (up to the ready threshold, two messages,
   * and the one being sent), the HTTP/2 window and TCP's buffers within it, and a message the server took (review CJ).
   */
  private long inFlightBytes() {
    return WINDOW_BYTES + 5L * messageBytes;
  }

  /**
   * How long what may still be in flight after the last message takes to drain: at the rate the link went once the
   * buffers were full (before, everything went into them at once), with a margin of 3; for an upload too small to fill
   * them, at the slowest rate not taken for a stall, a message per stall limit (review CJ: a small upload's rate,
   * measured into buffers, gave a slow link no time at all).
   */
  private long drainNanos() {
    long pending = Math.min(accepted - startOffset, inFlightBytes());
    if (pending <= 0) {
      return 0;
    }
    long measured = accepted - linkFromOffset;
    double nanosPerByte = linkFromOffset >= 0 && measured >= messageBytes
        ? 3.0 * (System.nanoTime() - linkFromAt) / measured
        : (double) stallNanos / messageBytes;
    return (long) Math.min(Long.MAX_VALUE / 4.0, nanosPerByte * pending);
  }

  /** "800 ms" under ten seconds (tests), else whole seconds ("600 s", "7801 s"). */
  private static String time(long nanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
    return ms < 10_000 ? ms + " ms" : Math.round(ms / 1000.0) + " s";
  }

  /** Cancels the call (the server keeps what it committed, so a later run can resume). */
  public void abort() {
    if (!closed) {
      closed = true;
      requests.cancel("client aborted the upload", null);
    }
  }

  @Override
  public void close() {
    abort();
  }

  private void sendBuffer(boolean finish) throws IOException {
    if (filled == 0 && !finish) {
      return;
    }
    UploadRequest.Builder r = UploadRequest.newBuilder().setFinish(finish);
    if (filled > 0) {
      ByteString data = UnsafeByteOperations.unsafeWrap(buffer, 0, filled);
      retain(new Sent(data, buffer));
      buffer = null;
      r.setData(data);
    }
    filled = 0;
    send(r.build());
  }

  /** A sent message and the buffer it wraps. */
  private record Sent(ByteString data, byte[] buffer) {}

  /**
   * Keeps {@code message} (already counted in {@link #accepted}) and drops what the budget no
   * longer covers; a dropped message's buffer may be filled again.
   */
  private void retain(Sent message) {
    if (retainBytes <= 0) {
      retainedFrom = accepted;
      return;
    }
    retained.addLast(message);
    retainedBytes += message.data().size();
    while (retainedBytes - retained.peekFirst().data().size() >= retainBytes) {
      Sent dropped = retained.removeFirst();
      retainedBytes -= dropped.data().size();
      retainedFrom += dropped.data().size();
      spare.addLast(dropped.buffer());
    }
  }

  private void send(UploadRequest message) throws IOException {
    boolean stalled = false;
    long limit = stallNanos + rereadNanos();
    synchronized (lock) {
      long since = System.nanoTime();
      if (linkFromOffset < 0 && accepted - startOffset > inFlightBytes()) {
        linkFromAt = since;
        linkFromOffset = accepted;
      }
      while (!requests.isReady() && !result.isDone()) {
        long left = limit - (System.nanoTime() - since);
        if (left <= 0) {
          stalled = true;
          break;
        }
        try {
          lock.wait(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(left))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          abort();
          throw new IOException("interrupted while uploading", e);
        }
      }
    }
    if (stalled) { // cancelled outside the lock: the cancel calls the observer, which takes it
      throw stalled("the server took nothing for " + time(limit) + " (" + (accepted - message.getData().size())
          + " bytes sent), though the connection stayed open");
    }
    if (result.isCompletedExceptionally()) {
      try {
        result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        throw broken(e.getCause());
      }
    }
    requests.onNext(message);
  }

  private static IOException broken(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return new BrokenUpload(s);
    }
    return new BrokenUpload(Status.fromThrowable(t).asRuntimeException());
  }
}
