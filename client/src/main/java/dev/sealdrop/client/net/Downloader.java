package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Resumable download of a claimed envelope. The download runs in the background ({@link #start});
 * {@link Download#reader()} reads the envelope from its first byte <em>while</em> it arrives, so that
 * opening it overlaps the transfer. What arrives is held in memory only (at most {@link
 * Download#AHEAD_BYTES} that the reader has not taken yet: the server is asked for more only as the
 * reader takes it, plus the last {@link Download#RETAINED_BYTES} it took); nothing is written to disk
 * while the download goes well.
 *
 * <p>The spool in the profile's state folder holds what an earlier, interrupted run kept: the
 * download starts at its length (a resume), and the reader reads it first. When a download breaks,
 * the opener re-creates the envelope's bytes it verified into the spool (the envelope library does
 * that from the plaintext it wrote) and {@link Download#keepTail} appends what arrived after them,
 * so that the next run resumes where this one stopped. Every message's offset is checked and more
 * bytes than announced are refused. Nothing here decrypts.
 *
 * <p>The spool is a cache for resuming, not a record the user relies on: it is not fsynced. After
 * a power loss a damaged spool fails the envelope's authentication, is deleted, and the next run
 * downloads again under the same claim.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "spool files live in the user's profile folder")
public final class Downloader {
  /** Messages requested ahead of the one being written: the transport keeps reading meanwhile. */
  static final int MESSAGES_AHEAD = 4;
  /** The largest download message taken: the server sends 1 MiB of data a message, framed in a few bytes more. */
  static final int MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
  /**
   * Waits before each new attempt when the server refuses a download as busy ({@code SERVER_BUSY}: it
   * serves as many download streams as it may at once). Nothing is used up meanwhile and the claim
   * stays ours; after the last attempt the refusal stands (exit 8, "retry in a moment").
   */
  static final List<Duration> BUSY_RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(30));
  private static final String SERVER_BUSY = "SERVER_BUSY";
  private static final String LOCKED_DOWN = "LOCKED_DOWN";
  /**
   * How long the reader waits for the next byte before the download counts as stalled: a server that keeps the
   * connection alive (answering keepalive pings) but sends nothing would otherwise hold a receive for ever (round CE:
   * twelve minutes, until a signal). Longer than the busy-server waits above together, which restart it. As long as the
   * server's own download-stall-timeout: the server sends 1 MiB messages, so this also sets the slowest link that is not
   * taken for a stall, 1 MiB in 10 minutes, about 14 kbit/s (review CI: 2 minutes refused links below 70 kbit/s, and
   * every re-run stalled at the same message).
   */
  static final Duration STALL_AFTER = Duration.ofMinutes(10);
  /**
   * How long {@link Download#await} waits for the stream's end once every byte has arrived: a server ends it right after
   * its last message, and a receive that has verified the file only waits to hear how the download ended (session 50:
   * a server silent after its last byte held the confirmation for the whole stall time).
   */
  static final Duration END_WITHIN = Duration.ofSeconds(30);
  private final ServerConnection connection;
  private final Consumer<String> notes;
  private final List<Duration> busyRetryDelays;
  private final Duration stallAfter;
  private final Duration endWithin;

  /** A downloader that tells {@code notes} (one line each) when it waits for a busy server. */
  public Downloader(ServerConnection connection, Consumer<String> notes) {
    this(connection, notes, BUSY_RETRY_DELAYS, STALL_AFTER);
  }

  Downloader(ServerConnection connection, Consumer<String> notes, List<Duration> busyRetryDelays) {
    this(connection, notes, busyRetryDelays, STALL_AFTER);
  }

  Downloader(ServerConnection connection, Consumer<String> notes, List<Duration> busyRetryDelays, Duration stallAfter) {
    this(connection, notes, busyRetryDelays, stallAfter, END_WITHIN);
  }

  Downloader(ServerConnection connection, Consumer<String> notes, List<Duration> busyRetryDelays, Duration stallAfter,
      Duration endWithin) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.notes = Objects.requireNonNull(notes, "notes");
    this.busyRetryDelays = List.copyOf(busyRetryDelays);
    this.stallAfter = Objects.requireNonNull(stallAfter, "stallAfter");
    this.endWithin = Objects.requireNonNull(endWithin, "endWithin");
  }

  /**
   * Starts (or resumes) downloading the {@code expectedSize} bytes of the envelope, of which {@code spool}
   * (created if missing) holds the first ones an earlier run kept.
   */
  public Download start(String claimId, Path spool, long expectedSize) throws IOException {
    SecureFiles.ensureFile(spool);
    long have = Files.size(spool);
    if (have > expectedSize) {
      Files.write(spool, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
      have = 0;
    }
    Download d = new Download(spool, expectedSize, have, stallAfter, endWithin);
    if (have == expectedSize) {
      d.complete();
      return d;
    }
    d.begin(connection, claimId, notes, busyRetryDelays.iterator());
    return d;
  }

  /** One download in progress: its state, what has arrived, and the reader of it. */
  public static final class Download implements AutoCloseable {
    /** Bytes arrived and not yet taken by the reader beyond which the server is not asked for more. */
    static final long AHEAD_BYTES = 8L << 20;
    /**
     * Bytes the reader took that stay in memory: the opener verifies chunk by chunk, so the bytes it read
     * last may not be verified yet when the download breaks; {@link #keepTail} needs them (less than 256 KiB).
     */
    static final long RETAINED_BYTES = 2L << 20;
    private final ReentrantLock lock = new ReentrantLock();
    /** Messages from the last {@link #RETAINED_BYTES} the reader took to the newest, in order; guarded by {@code lock}. */
    private final java.util.ArrayDeque<Recent> held = new java.util.ArrayDeque<>();
    private final Condition changed = lock.newCondition();
    private final Path spool;
    private final long expectedSize;
    private final long resumedAt;
    /** The spool an earlier run kept, read by the reader and {@link #keepTail}; null when it kept nothing. */
    private FileChannel earlier;
    private volatile ClientCallStreamObserver<DownloadRequest> call;
    private long have;
    /** Bytes the reader has taken; guarded by {@code lock}. */
    private long taken;
    /** Messages the server was not asked for because the reader fell {@link #AHEAD_BYTES} behind; guarded by {@code lock}. */
    private int owed;
    private boolean finished;
    private SealdropFailure failure;
    /** Busy-server retries' timer, created at the first wait; guarded by {@code lock}. */
    private ScheduledExecutorService timer;

    private final long stallNanos;
    /** How long {@link #await} waits for the stream's end after the last byte. */
    private final long endNanos;
    /** When the last byte arrived, or the last attempt began ({@link System#nanoTime}); guarded by {@code lock}. */
    private long lastProgress = System.nanoTime();

    private Download(Path spool, long expectedSize, long have, Duration stallAfter, Duration endWithin) {
      this.spool = spool;
      this.expectedSize = expectedSize;
      this.resumedAt = have;
      this.have = have;
      this.stallNanos = stallAfter.toNanos();
      this.endNanos = Math.min(stallNanos, endWithin.toNanos());
    }

    /** Bytes here so far: in the earlier spool and arrived. */
    public long arrived() {
      lock.lock();
      try {
        return have;
      } finally {
        lock.unlock();
      }
    }

    /** Bytes that were already in the spool when this download started. */
    public long resumedAt() {
      return resumedAt;
    }

    /**
     * Runs {@code attempt} after {@code wait} on this download's own timer thread (a daemon, ended with the
     * download), not on a gRPC thread, which must not sleep, nor through {@code CompletableFuture.delayedExecutor},
     * whose tasks run in the JDK's shared common pool (on JDK 25 also with one core's parallelism): a pool kept busy
     * by other work would hold the retry back indefinitely.
     */
    private void later(Duration wait, Runnable attempt) {
      lock.lock();
      try {
        if (finished) {
          return;
        }
        if (timer == null) {
          timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sealdrop-download-retry");
            t.setDaemon(true);
            return t;
          });
        }
        timer.schedule(attempt, wait.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        lock.unlock();
      }
    }

    /** Ends the timer of {@link #later}, if any; called once the download has finished. */
    private void stopTimer() {
      ScheduledExecutorService t;
      lock.lock();
      try {
        t = timer;
        timer = null;
      } finally {
        lock.unlock();
      }
      if (t != null) {
        t.shutdownNow();
      }
    }

    /** Starts the stream at the first byte not here yet; a busy server is asked again after the next of {@code waits}. */
    private void begin(ServerConnection connection, String claimId, Consumer<String> notes, Iterator<Duration> waits) {
      long from;
      lock.lock();
      try {
        if (finished) {
          return; // cancelled while waiting to try again
        }
        from = have;
        owed = 0; // a new call: it starts with its own MESSAGES_AHEAD requests
        lastProgress = System.nanoTime();
      } finally {
        lock.unlock();
      }
      DownloadRequest request = DownloadRequest.newBuilder().setClaimId(claimId).setOffset(from).build();
      // a message larger than the server's 1 MiB chunks is refused as it arrives (review DQ: a hostile server's 64 MiB
      // messages, four of them asked ahead, could fill the CLI's heap where cli.md promises at most 8 MiB held)
      connection.transferAsync().withMaxInboundMessageSize(MAX_MESSAGE_BYTES).download(request,
          new ClientResponseObserver<DownloadRequest, DownloadResponse>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<DownloadRequest> stream) {
          call = stream;
          stream.disableAutoRequestWithInitial(MESSAGES_AHEAD);
        }

        @Override
        public void onNext(DownloadResponse r) {
          received(r);
        }

        @Override
        public void onError(Throwable t) {
          SealdropFailure f = translate(t);
          if (SERVER_BUSY.equals(f.reason()) && waits.hasNext()) {
            Duration wait = waits.next();
            notes.accept("the server is busy (it serves as many downloads as it may at once); trying again in "
                + wait.toSeconds() + " s");
            later(wait, () -> begin(connection, claimId, notes, waits));
            return;
          }
          failed(f);
        }

        @Override
        public void onCompleted() {
          ended();
        }
      });
      if (failure().isPresent()) {
        call.cancel("the client stopped the download", null); // closed while this attempt started
      }
    }

    /** On a gRPC thread: checks and appends one message, then asks for the next. */
    private void received(DownloadResponse r) {
      long at;
      lock.lock();
      try {
        if (finished) {
          return;
        }
        at = have;
      } finally {
        lock.unlock();
      }
      if (r.getOffset() != at) {
        fail(new NetworkFailure("DOWNLOAD_OUT_OF_ORDER", "the server sent data for offset " + r.getOffset()
            + " while " + at + " was expected", "re-run the command; the download resumes", null));
        return;
      }
      if (r.getTotalSize() != expectedSize || at + r.getData().size() > expectedSize) {
        // what it did, as it did it (round CE: a smaller announced size was told as "more data than the grant's size")
        fail(new NetworkFailure("DOWNLOAD_SIZE_MISMATCH", r.getTotalSize() != expectedSize ? "the server announced "
            + r.getTotalSize() + " bytes for a download of the grant's " + expectedSize : "the server sent more data"
            + " than the grant's size (" + expectedSize + " bytes)", "re-run the command; if it persists, tell the"
            + " sender and the server's operator", null));
        return;
      }
      boolean askForMore;
      lock.lock();
      try {
        if (!r.getData().isEmpty()) {
          held.addLast(new Recent(at, r.getData().asReadOnlyByteBuffer()));
        }
        have += r.getData().size();
        if (!r.getData().isEmpty()) {
          lastProgress = System.nanoTime(); // empty messages are no progress (review CF: one per 119 s held it open)
        }
        askForMore = unreadInMemory() < AHEAD_BYTES;
        if (!askForMore) {
          owed++;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      if (askForMore) {
        call.request(1);
      }
    }

    /** Bytes in memory the reader has not taken yet; with {@code lock} held. */
    private long unreadInMemory() {
      return have - Math.max(taken, resumedAt);
    }

    /** A message's bytes at {@code offset} of the envelope (read-only, never modified). */
    private record Recent(long offset, ByteBuffer data) {
      long end() {
        return offset + data.remaining();
      }
    }

    /** The bytes in memory at {@code position} (which has arrived), or null if they are older than memory holds. */
    private ByteBuffer heldAt(long position) {
      lock.lock();
      try {
        for (Recent m : held) {
          if (m.offset() <= position && position < m.end()) {
            return m.data().duplicate().position((int) (position - m.offset()));
          }
        }
        return null;
      } finally {
        lock.unlock();
      }
    }

    /**
     * The reader has taken the bytes before {@code position}: forgets messages more than {@link #RETAINED_BYTES}
     * behind it, and asks the server for the message it held back, if any, once the reader caught up enough.
     */
    private void took(long position) {
      int askFor = 0;
      lock.lock();
      try {
        taken = position;
        while (!held.isEmpty() && held.peekFirst().end() + RETAINED_BYTES <= position) {
          held.removeFirst();
        }
        if (owed > 0 && !finished && unreadInMemory() < AHEAD_BYTES) {
          askFor = owed;
          owed = 0;
        }
      } finally {
        lock.unlock();
      }
      if (askFor > 0) {
        call.request(askFor);
      }
    }

    /**
     * After a broken download, once the opener kept the envelope's bytes it verified in the spool: appends
     * what arrived after them (from the earlier spool or from memory), so that the next run resumes at
     * the last byte that arrived. Returns the spool's length. The spool is a cache: an append that fails
     * (a full disk) leaves it a shorter, still valid, prefix, and the failure is thrown for the caller to
     * mention.
     */
    public long keepTail() throws IOException {
      long from = Files.size(spool);
      lock.lock();
      try {
        if (from >= have) {
          return from;
        }
        try (FileChannel out = FileChannel.open(spool, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
          long at = from;
          while (at < have) {
            ByteBuffer b;
            if (at < resumedAt && earlier != null) {
              b = ByteBuffer.allocate((int) Math.min(1 << 20, resumedAt - at));
              earlier.read(b, at);
              b.flip();
            } else {
              b = heldAt(at);
            }
            if (b == null || !b.hasRemaining()) {
              break; // older than memory holds (cannot happen while the opener lags less than RETAINED_BYTES)
            }
            at += b.remaining();
            while (b.hasRemaining()) {
              out.write(b);
            }
          }
          return at;
        }
      } finally {
        lock.unlock();
      }
    }

    private void ended() {
      lock.lock();
      try {
        if (finished) {
          return;
        }
        if (have != expectedSize) {
          failed(new NetworkFailure("DOWNLOAD_TRUNCATED", "the server ended the download after " + have + " of "
              + expectedSize + " bytes", "re-run the same command; the download resumes; if it ends at the same"
              + " byte again, the server's copy or its size is wrong: tell the server's operator", null));
          return;
        }
      } finally {
        lock.unlock();
      }
      complete();
    }

    private void complete() {
      lock.lock();
      try {
        finished = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      stopTimer();
    }

    /** Our own check failed: stop the call too. */
    private void fail(SealdropFailure f) {
      failed(f);
      if (call != null) {
        call.cancel("the client refused the download: " + f.reason(), null);
      }
    }

    private void failed(SealdropFailure f) {
      lock.lock();
      try {
        if (finished) {
          return;
        }
        finished = true;
        failure = f;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      stopTimer();
    }

    private SealdropFailure translate(Throwable t) {
      StatusRuntimeException status = t instanceof StatusRuntimeException s ? s
          : io.grpc.Status.fromThrowable(t).asRuntimeException();
      SealdropFailure f = GrpcFailures.translate(status, GrpcFailures.Op.DOWNLOAD);
      if (f instanceof NetworkFailure && !SERVER_BUSY.equals(f.reason())) {
        long at;
        lock.lock();
        try {
          at = have;
        } finally {
          lock.unlock();
        }
        if (LOCKED_DOWN.equals(f.reason())) {
          // An admin switched transfers off (cut in flight, or a resume refused): say so, not "interrupted".
          return new NetworkFailure(LOCKED_DOWN, f.getMessage() + " (" + at + " of " + expectedSize
              + " bytes received so far)", "ask the operator when the lockdown will be lifted, then re-run the same command before the claim"
              + " expires: the download resumes from what this run kept (encrypted) in your profile", t);
        }
        // a connection that broke is told in words ("the connection to the server broke (Connection reset)"), not
        // as the generic "the server is unavailable: io exception: ..."
        String how = status.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE
            && "SERVER_UNAVAILABLE".equals(f.reason()) ? GrpcFailures.howItBroke(status)
            // on a connection that had carried TLS: a record whose header was changed on its way no longer reads as
            // TLS, which is no "not a sealdrop server" (round BC)
            : "NOT_A_TLS_SERVER".equals(f.reason()) && at > resumedAt ? "the connection to the server was damaged:"
                + " bytes changed in transit broke its TLS records, so TLS used none of them"
            : f.getMessage();
        // the server's stall timeout keeps its reason, as docs/cli.md's exit codes name it (outside test)
        String reason = "DOWNLOAD_STALLED".equals(f.reason()) ? f.reason() : "DOWNLOAD_INTERRUPTED";
        return new NetworkFailure(reason, "the download was interrupted after " + at + " of "
            + expectedSize + " bytes: " + how,
            "re-run the same command before the claim expires; the download resumes", t);
      }
      return f;
    }

    /** Waits until every byte has arrived; throws the download's failure. */
    public long await() throws SealdropFailure, InterruptedException {
      lock.lock();
      try {
        long waitingSince = System.nanoTime();
        while (!finished) {
          if (have < expectedSize) {
            awaitProgress(waitingSince);
          } else {
            awaitEnd(waitingSince);
          }
        }
        if (failure != null) {
          throw failure;
        }
        return have;
      } finally {
        lock.unlock();
      }
    }

    /** The failure, if the download has failed. */
    public java.util.Optional<SealdropFailure> failure() {
      lock.lock();
      try {
        return java.util.Optional.ofNullable(failure);
      } finally {
        lock.unlock();
      }
    }

    /**
     * The envelope from its first byte, as it arrives: a read waits for the download, and fails once the
     * download has failed and every byte that arrived was read. One reader per download.
     */
    public InputStream reader() throws IOException {
      if (resumedAt > 0) {
        lock.lock();
        try {
          earlier = FileChannel.open(spool, StandardOpenOption.READ);
        } finally {
          lock.unlock();
        }
      }
      return new EnvelopeReader();
    }

    /** Cancels the download if it is still running (what arrived is kept only through {@link #keepTail}). */
    @Override
    public void close() {
      boolean running;
      lock.lock();
      try {
        running = !finished;
      } finally {
        lock.unlock();
      }
      if (running) {
        failed(new NetworkFailure("DOWNLOAD_CANCELLED", "the download was cancelled", "re-run the command", null));
        if (call != null) {
          call.cancel("the client stopped the download", null);
        }
      }
    }

    /**
     * With {@code lock} held, waits for the next change; a wait since {@code waitingSince} with no byte arrived for the
     * stall time fails the download as stalled (and cancels its call).
     */
    private void awaitProgress(long waitingSince) throws InterruptedException {
      long left = stallNanos - (System.nanoTime() - Math.max(waitingSince, lastProgress));
      if (left > 0) {
        changed.awaitNanos(left);
        return;
      }
      fail(new NetworkFailure("DOWNLOAD_STALLED", "the server sent nothing for "
          + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s (after " + have + " of " + expectedSize + " bytes), though"
          + " the connection stayed open", "re-run the same command before the claim expires; the download resumes;"
          + " if it stalls again, tell the server's operator", null));
    }

    /**
     * With {@code lock} held and every byte arrived, waits for the stream's end; if it has not ended within {@link
     * #endNanos} of the last byte, fails the download (and cancels its call): what arrived is whole, and the caller,
     * which has verified it, goes on.
     */
    private void awaitEnd(long waitingSince) throws InterruptedException {
      long left = endNanos - (System.nanoTime() - Math.max(waitingSince, lastProgress));
      if (left > 0) {
        changed.awaitNanos(left);
        return;
      }
      fail(new NetworkFailure("DOWNLOAD_STALLED", "the server sent every byte (" + have + ") but did not end the"
          + " download within " + TimeUnit.NANOSECONDS.toSeconds(endNanos) + " s", "re-run the same command before the"
          + " claim expires; if it happens again, tell the server's operator", null));
    }

    /**
     * Waits for bytes beyond {@code position}; returns how many are there, or -1 at the end: at the announced size,
     * whether or not the stream has ended (a stream that breaks or stalls after its last byte is {@link #await}'s to
     * tell; round CE: the file was held back for it, though every byte had arrived).
     */
    private long availableFrom(long position) throws IOException {
      if (position >= expectedSize) {
        return -1;
      }
      lock.lock();
      try {
        long waitingSince = System.nanoTime();
        while (position >= have && !finished) {
          awaitProgress(waitingSince);
        }
        if (position < have) {
          return have - position; // even after a failure: the more the opener verifies, the more is kept
        }
        if (failure != null) {
          throw new IOException("the download failed: " + failure.getMessage(), failure);
        }
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for the download");
      } finally {
        lock.unlock();
      }
    }

    private final class EnvelopeReader extends InputStream {
      private long position;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
          return 0;
        }
        long available = availableFrom(position);
        if (available < 0) {
          return -1;
        }
        int want = (int) Math.min(len, available);
        int n;
        if (position < resumedAt) {
          n = earlier.read(ByteBuffer.wrap(b, off, (int) Math.min(want, resumedAt - position)), position);
          if (n < 0) {
            throw new IOException("the spool " + spool + " is shorter than it was when this download started");
          }
        } else {
          ByteBuffer memory = heldAt(position);
          if (memory == null) {
            throw new IllegalStateException("cli: internal error: downloaded bytes at " + position + " not held");
          }
          n = Math.min(want, memory.remaining());
          memory.get(b, off, n);
        }
        position += n;
        took(position);
        return n;
      }

      @Override
      public void close() throws IOException {
        FileChannel c;
        lock.lock();
        try {
          c = earlier;
          earlier = null;
        } finally {
          lock.unlock();
        }
        if (c != null) {
          c.close();
        }
      }
    }
  }
}
