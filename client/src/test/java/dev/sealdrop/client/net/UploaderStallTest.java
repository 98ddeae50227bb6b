package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round CE: a server that keeps the connection open (it answers keepalive pings) but stops taking an upload, or never
 * gives its verdict, held a send for ever (killed after 100 s). The upload stream waits at most its stall limit for the
 * transport to take the next message and its verdict limit for the answer; then the call is cancelled and the upload
 * fails as UPLOAD_STALLED, resumable: what was not acknowledged went to the spool.
 */
class UploaderStallTest {
  private static final Duration SHORT = Duration.ofMillis(800);
  private static final Duration LONG = Duration.ofMinutes(5);

  @TempDir
  Path dir;
  private final AtomicLong received = new AtomicLong();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  /**
   * Review CJ: an upload small enough to go into the buffers at once (1 MiB here) was given no time for them to drain on
   * a slow link, as its rate was measured into the buffers: the verdict wait allows them to drain at the slowest rate
   * not taken for a stall (a message per stall limit).
   */
  @Test
  @Timeout(60)
  void aSmallUploadOnASlowLinkIsGivenTheTimeItsBuffersTakeToDrain() throws Exception {
    java.util.concurrent.ScheduledExecutorService link = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      // a slow link: a 64 KiB message every 250 ms, 4 s for the whole MiB
      TransferServiceGrpc.TransferServiceStub stub = pacedServer(call -> link.scheduleAtFixedRate(() -> call.request(1),
          0, 250, java.util.concurrent.TimeUnit.MILLISECONDS), "f-2");
      UploadStream up = UploadStream.open(stub, "up-4", 0, 64 * 1024, 0,
          Duration.ofSeconds(2), SHORT);
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 16; i++) {
        up.write(chunk, 0, chunk.length);
      }
      assertThat(up.finish().getFileId()).isEqualTo("f-2");
      assertThat(received.get()).isEqualTo(1L << 20);
    } finally {
      link.shutdownNow();
    }
  }

  /**
   * A server whose Upload takes messages only as {@code pace} requests them (manual flow control), and answers file
   * {@code fileId} when the client finishes.
   */
  private TransferServiceGrpc.TransferServiceStub pacedServer(
      java.util.function.Consumer<ServerCallStreamObserver<UploadResponse>> pace, String fileId) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> response) {
            ServerCallStreamObserver<UploadResponse> call = (ServerCallStreamObserver<UploadResponse>) response;
            call.disableAutoRequest();
            pace.accept(call);
            return counting(() -> {
              response.onNext(UploadResponse.newBuilder().setFileId(fileId).build());
              response.onCompleted();
            });
          }
        }).build().start();
    channel = connected(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build());
    return TransferServiceGrpc.newStub(channel);
  }

  /**
   * {@code c} once its connection is up: the upload's start message waits for the transport like any other, within the
   * stall limit, and a test's short limit is not meant to cover setting up a fresh connection on a busy machine.
   */
  private static ManagedChannel connected(ManagedChannel c) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    io.grpc.ConnectivityState state = c.getState(true);
    while (state != io.grpc.ConnectivityState.READY && System.nanoTime() < deadline) {
      java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
      c.notifyWhenStateChanged(state, changed::countDown);
      changed.await(1, java.util.concurrent.TimeUnit.SECONDS);
      state = c.getState(true);
    }
    assertThat(state).as("the test server's connection is up").isEqualTo(io.grpc.ConnectivityState.READY);
    return c;
  }

  /** An Upload's message reader that counts the data received, and does {@code atEnd} when the client finishes. */
  private StreamObserver<UploadRequest> counting(Runnable atEnd) {
    return new StreamObserver<>() {
      @Override
      public void onNext(UploadRequest value) {
        received.addAndGet(value.getData().size());
      }

      @Override
      public void onError(Throwable t) {
        // the client cancelled: nothing to answer
      }

      @Override
      public void onCompleted() {
        atEnd.run();
      }
    };
  }

  /** A server whose Upload reads every message and never answers, or (not {@code reading}) reads none at all. */
  private Uploader uploaderFacing(boolean reading, Duration stallAfter, Duration verdictWithin) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> response) {
            if (!reading) {
              ((ServerCallStreamObserver<UploadResponse>) response).disableAutoRequest();
            }
            return counting(() -> { }); // silence at the end: no verdict, the stream stays open
          }
        }).build().start();
    channel = connected(NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build());
    return new Uploader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())), stallAfter,
        verdictWithin);
  }

  /**
   * Review CI: a resumed upload's server reads what it holds again before it reads the stream, which took longer than a
   * fixed limit for a large prefix on a slow disk, so that every resume stalled. Until the server takes something, the
   * limit grows with the offset (5 MB/s).
   */
  @Test
  @Timeout(60)
  void aResumedUploadWaitsWhileTheServerReadsWhatItHoldsAgain() throws Exception {
    // The server reads nothing for longer than the stall limit (half a second more): without the allowance for the
    // offset the upload stalls. The allowance (50 MB at 5 MB/s: 10 s, beyond the stall limit) leaves a loaded machine
    // 9.5 s to run the server's delayed read and wake the client; once the server reads, no message may wait longer
    // than the stall limit (3 s, not 800 ms: a busy CI machine can hold a thread that long).
    Duration stallAfter = Duration.ofSeconds(3);
    long serverReadsAfterMillis = stallAfter.toMillis() + 500;
    java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      // "reading the prefix again" before it reads anything, then everything
      TransferServiceGrpc.TransferServiceStub stub = pacedServer(call -> later.schedule(
          () -> call.request(Integer.MAX_VALUE), serverReadsAfterMillis, java.util.concurrent.TimeUnit.MILLISECONDS),
          "f-1");
      long t0 = System.nanoTime(); // before the call: the server's delay starts once the call is there
      // 50 MB already held: 10 s allowed for reading it again, beyond the stall limit
      UploadStream up = UploadStream.open(stub, "up-3", 50_000_000, 64 * 1024, 0, stallAfter, LONG);
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 256; i++) { // 16 MiB: far more than the windows hold while the server reads nothing
        up.write(chunk, 0, chunk.length);
      }
      // the premise: the writer did wait for the server longer than the stall limit alone allows (were the buffers
      // ever to hold the 16 MiB, this test would prove nothing)
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms the upload waited for the server")
          .isGreaterThan(stallAfter.toMillis());
      assertThat(up.finish().getFileId()).isEqualTo("f-1");
      assertThat(received.get()).isEqualTo(16L << 20);
    } finally {
      later.shutdownNow();
    }
  }

  private static Uploader.EnvelopeWriter bytes(int n) {
    return out -> {
      try (OutputStream o = out) {
        byte[] chunk = new byte[64 * 1024];
        for (int left = n; left > 0; left -= chunk.length) {
          o.write(chunk, 0, Math.min(left, chunk.length));
        }
      }
    };
  }

  @Test
  @Timeout(60) // without the stall limit the writer waited for ever for the transport to be ready
  void aServerThatTakesNothingEndsTheUploadAsStalledAndTheRestGoesToTheSpool() throws Exception {
    Uploader uploader = uploaderFacing(false, SHORT, LONG);
    Path spool = dir.resolve("spool.sealed");
    AtomicLong spooledFrom = new AtomicLong(-1);
    int size = 24 << 20; // far more than the HTTP/2 windows and the stream's ready threshold hold
    long t0 = System.nanoTime();
    SealdropFailure failed = catchThrowableOfType(SealdropFailure.class, () -> uploader.uploadWhileSealing(
        new Uploader.Started("up-1", 64 * 1024), spool, bytes(size), spooledFrom::set, n -> { }));

    assertThat(failed.reason()).isEqualTo("UPLOAD_STALLED");
    assertThat(failed.getMessage()).contains("the server took nothing for 800 ms").contains("bytes sent")
        .contains("the connection stayed open");
    assertThat(failed.hint()).hasValueSatisfying(h -> assertThat(h).contains("re-run the same command to resume"));
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until it gave up").isGreaterThanOrEqualTo(800);
    assertThat(spooledFrom.get()).as("the spool starts at the oldest byte the server may lack").isZero();
    assertThat(Files.size(spool)).as("the whole envelope is in the spool, to resume").isEqualTo(size);
  }

  @Test
  @Timeout(60) // without the verdict limit finish() waited for ever for the answer
  void aServerThatNeverGivesItsVerdictEndsTheUploadAsStalled() throws Exception {
    Uploader uploader = uploaderFacing(true, LONG, SHORT);
    Path spool = dir.resolve("spool.sealed");
    AtomicLong spooledFrom = new AtomicLong(-1);
    int size = 24 << 20; // more than the buffers hold: the rate is the (loopback) link's
    long t0 = System.nanoTime();
    AtomicLong lastWrite = new AtomicLong(t0);
    SealdropFailure failed = catchThrowableOfType(SealdropFailure.class, () -> uploader.uploadWhileSealing(
        new Uploader.Started("up-2", 64 * 1024), spool, bytes(size), spooledFrom::set,
        n -> lastWrite.set(System.nanoTime())));
    long sendingMillis = (lastWrite.get() - t0) / 1_000_000;

    assertThat(failed.reason()).isEqualTo("UPLOAD_STALLED");
    // the limit and what the transport may still hold (at most the last 8.3 MiB of the 24) at three times the rate the
    // upload went: a few ms more on a quiet loopback, seconds on a loaded machine, but never more than twice the time
    // the writes took (the slowest rate, a message per stall limit, would be hours)
    java.util.regex.Matcher within = java.util.regex.Pattern.compile(
        "the server gave no verdict on the upload within (\\d+) (ms|s) of its last byte").matcher(failed.getMessage());
    assertThat(within.find()).as(failed.getMessage()).isTrue();
    long limitMillis = Long.parseLong(within.group(1)) * (within.group(2).equals("s") ? 1000 : 1);
    assertThat(limitMillis).as(failed.getMessage())
        .isBetween(SHORT.toMillis(), SHORT.toMillis() + 2 * sendingMillis + 1000);
    assertThat(failed.getMessage()).contains(size + " bytes sent");
    assertThat(received.get()).as("the server had every byte").isEqualTo(size);
    assertThat(spooledFrom.get()).isZero();
    assertThat(Files.size(spool)).isEqualTo(size);
  }
}
