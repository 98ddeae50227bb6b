package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.LocalDisk;
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
 * Resumable download of a claimed envelope into a ciphertext spool in the profile's state folder.
 * The download runs in the background ({@link #start}); {@link Download#reader()} reads the spool
 * from its first byte <em>while</em> it grows, so that opening the envelope overlaps the transfer; the
 * newest messages (up to 8 MiB) are also kept in memory, so a reader that keeps up never reads back
 * what was just written.
 * It starts at the spool's current length (a resume), checks every message's offset, and refuses
 * more bytes than announced. Nothing here decrypts; nothing unverified ever leaves the spool.
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
  /**
   * Waits before each new attempt when the server refuses a download as busy ({@code SERVER_BUSY}: it
   * serves as many download streams as it may at once). Nothing is used up meanwhile and the claim
   * stays ours; after the last attempt the refusal stands (exit 8, "retry in a moment").
   */
  static final List<Duration> BUSY_RETRY_DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
      Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(30));
  private static final String SERVER_BUSY = "SERVER_BUSY";
  private static final String LOCKED_DOWN = "LOCKED_DOWN";
  private final ServerConnection connection;
  private final Consumer<String> notes;
  private final List<Duration> busyRetryDelays;

  /** A downloader that tells {@code notes} (one line each) when it waits for a busy server. */
  public Downloader(ServerConnection connection, Consumer<String> notes) {
    this(connection, notes, BUSY_RETRY_DELAYS);
  }

  Downloader(ServerConnection connection, Consumer<String> notes, List<Duration> busyRetryDelays) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.notes = Objects.requireNonNull(notes, "notes");
    this.busyRetryDelays = List.copyOf(busyRetryDelays);
  }

  /** Starts (or resumes) downloading into {@code spool} until it holds {@code expectedSize} bytes. */
  public Download start(String claimId, Path spool, long expectedSize) throws IOException {
    SecureFiles.ensureFile(spool);
    long have = Files.size(spool);
    if (have > expectedSize) {
      Files.write(spool, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
      have = 0;
    }
    Download d = new Download(spool, expectedSize, have);
    if (have == expectedSize) {
      d.complete();
      return d;
    }
    d.open();
    d.begin(connection, claimId, notes, busyRetryDelays.iterator());
    return d;
  }

  /** One download in progress: its spool, its state, and readers of what has arrived. */
  public static final class Download implements AutoCloseable {
    /** The newest messages kept in memory for the reader, so it need not read back what was just spooled. */
    static final long RECENT_BYTES = 8L << 20;
    private final ReentrantLock lock = new ReentrantLock();
    /** Messages already in the spool, newest last, at most {@link #RECENT_BYTES}; guarded by {@code lock}. */
    private final java.util.ArrayDeque<Recent> recent = new java.util.ArrayDeque<>();
    private long recentBytes;
    private final Condition changed = lock.newCondition();
    private final Path spool;
    private final long expectedSize;
    private final long resumedAt;
    private FileChannel out;
    private volatile ClientCallStreamObserver<DownloadRequest> call;
    private long have;
    private boolean finished;
    private SealdropFailure failure;
    /** Busy-server retries' timer, created at the first wait; guarded by {@code lock}. */
    private ScheduledExecutorService timer;

    private Download(Path spool, long expectedSize, long have) {
      this.spool = spool;
      this.expectedSize = expectedSize;
      this.resumedAt = have;
      this.have = have;
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

    private void open() throws IOException {
      out = FileChannel.open(spool, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /** Starts the stream at what the spool holds; a busy server is asked again after the next of {@code waits}. */
    private void begin(ServerConnection connection, String claimId, Consumer<String> notes, Iterator<Duration> waits) {
      long from;
      lock.lock();
      try {
        if (finished) {
          return; // cancelled while waiting to try again
        }
        from = have;
      } finally {
        lock.unlock();
      }
      DownloadRequest request = DownloadRequest.newBuilder().setClaimId(claimId).setOffset(from).build();
      connection.transferAsync().download(request, new ClientResponseObserver<DownloadRequest, DownloadResponse>() {
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
        fail(new NetworkFailure("DOWNLOAD_SIZE_MISMATCH", "the server sent more data than the grant's size ("
            + expectedSize + " bytes)", "re-run the command; if it persists, tell the sender", null));
        return;
      }
      try {
        for (ByteBuffer b : r.getData().asReadOnlyByteBufferList()) {
          while (b.hasRemaining()) {
            out.write(b);
          }
        }
      } catch (IOException e) {
        // a full disk is the profile's (the spool lives there), which may not be the output's: named as such
        fail(LocalDisk.refusal(e, spool.toAbsolutePath().getParent(), "", "the profile keeps the download there"
            + " until it is opened; then re-run the same command: the download resumes")
            .<SealdropFailure>map(f -> f).orElseGet(() -> new NetworkFailure("SPOOL_WRITE_FAILED", "cannot write the"
                + " download to " + spool + ": " + e.getMessage(), "free disk space in the profile folder and re-run"
                + " the command; the download resumes", e)));
        return;
      }
      lock.lock();
      try {
        if (!r.getData().isEmpty()) {
          recent.addLast(new Recent(at, r.getData().asReadOnlyByteBuffer()));
          recentBytes += r.getData().size();
          while (recentBytes > RECENT_BYTES && recent.size() > 1) {
            recentBytes -= recent.removeFirst().data().remaining();
          }
        }
        have += r.getData().size();
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      call.request(1);
    }

    /** A message's bytes at {@code offset} of the envelope (read-only, never modified). */
    private record Recent(long offset, ByteBuffer data) {}

    /**
     * The in-memory bytes at {@code position}, if the newest messages still hold them; drops older
     * ones (the single reader never goes back).
     */
    private ByteBuffer recentAt(long position) {
      lock.lock();
      try {
        while (!recent.isEmpty()) {
          Recent first = recent.peekFirst();
          long end = first.offset() + first.data().remaining();
          if (end <= position) {
            recentBytes -= first.data().remaining();
            recent.removeFirst();
            continue;
          }
          if (first.offset() > position) {
            return null; // older than what memory holds: read it from the spool
          }
          return first.data().duplicate().position((int) (position - first.offset()));
        }
        return null;
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
              + expectedSize + " bytes", "re-run the same command; the download resumes", null));
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
      closeSpool();
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
      closeSpool();
    }

    private void closeSpool() {
      stopTimer();
      if (out != null) {
        try {
          out.close();
        } catch (IOException e) {
          // the bytes written are in the page cache; a damaged spool fails authentication later
        }
      }
    }

    private SealdropFailure translate(Throwable t) {
      SealdropFailure f = GrpcFailures.translate(t instanceof StatusRuntimeException s ? s
          : io.grpc.Status.fromThrowable(t).asRuntimeException(), GrpcFailures.Op.DOWNLOAD);
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
              + " bytes received so far)", "what was received is kept (encrypted) in your profile; ask the operator when the lockdown will be lifted, then re-run the same command"
              + " before the claim expires: the download resumes", t);
        }
        return new NetworkFailure("DOWNLOAD_INTERRUPTED", "the download was interrupted after " + at + " of "
            + expectedSize + " bytes: " + f.getMessage(),
            "re-run the same command before the claim expires; the download resumes", t);
      }
      return f;
    }

    /** Waits until every byte is in the spool; throws the download's failure. */
    public long await() throws SealdropFailure, InterruptedException {
      lock.lock();
      try {
        while (!finished) {
          changed.await();
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
     * The spool from its first byte, as it grows: a read waits for the download, and fails once the
     * download has failed. One reader per download.
     */
    public InputStream reader() throws IOException {
      return new SpoolReader(FileChannel.open(spool, StandardOpenOption.READ));
    }

    /** Cancels the download if it is still running (the spool keeps what arrived). */
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

    /** Waits for bytes beyond {@code position}; returns how many are there, or -1 at the end. */
    private long availableFrom(long position) throws IOException {
      lock.lock();
      try {
        while (position >= have && !finished) {
          changed.await();
        }
        if (failure != null) {
          throw new IOException("the download failed: " + failure.getMessage(), failure);
        }
        return position >= have ? -1 : have - position;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while waiting for the download");
      } finally {
        lock.unlock();
      }
    }

    private final class SpoolReader extends InputStream {
      private final FileChannel in;
      private long position;

      SpoolReader(FileChannel in) {
        this.in = in;
      }

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
        ByteBuffer memory = recentAt(position);
        if (memory != null) {
          int n = Math.min(want, memory.remaining());
          memory.get(b, off, n);
          position += n;
          return n;
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, want);
        int n = in.read(buf, position);
        if (n < 0) {
          throw new IOException("the spool " + spool + " is shorter than the bytes downloaded into it");
        }
        position += n;
        return n;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    }
  }
}
