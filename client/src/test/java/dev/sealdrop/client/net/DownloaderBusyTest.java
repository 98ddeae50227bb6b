package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that stays busy ({@code SERVER_BUSY} on every {@code Download}): the downloader asks
 * again once per wait, says so each time, and then reports the server as busy — not as a broken
 * download — with nothing written to the spool. (That a receive gets its file once the server frees
 * a stream is shown end to end in BusyServerReceiveTest.)
 */
class DownloaderBusyTest {
  @TempDir
  Path dir;
  private final AtomicInteger downloads = new AtomicInteger();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            downloads.incrementAndGet();
            Metadata m = new Metadata();
            m.put(GrpcFailures.REASON, "SERVER_BUSY");
            response.onError(Status.RESOURCE_EXHAUSTED.withDescription("server busy: it is serving 1 downloads, "
                + "the most it serves at once; retry in a moment").asRuntimeException(m));
          }
        }).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void aServerThatStaysBusyIsAskedOncePerWaitAndThenReportedAsBusy() throws Exception {
    List<String> notes = new CopyOnWriteArrayList<>();
    Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())),
        notes::add, List.of(Duration.ofMillis(10), Duration.ofMillis(20)));
    Path spool = dir.resolve("spool.sealed");
    SealdropFailure f;
    try (Downloader.Download d = downloader.start("claim-1", spool, 1000)) {
      f = catchThrowableOfType(SealdropFailure.class, d::await);
    }
    assertThat(f).isNotNull();
    assertThat(f.reason()).isEqualTo("SERVER_BUSY");
    assertThat(f.getMessage()).contains("the server is busy");
    assertThat(downloads.get()).as("the first attempt and one per wait").isEqualTo(3);
    assertThat(notes).hasSize(2).allSatisfy(n -> assertThat(n).contains("the server is busy").contains("trying again"));
    assertThat(Files.size(spool)).isZero();
  }

  /**
   * The retry does not depend on the JDK's shared common pool: with every worker of it busy (as other work in the
   * process may keep it), the downloader still asks again once per wait. (CompletableFuture.delayedExecutor runs
   * its tasks in that pool; on JDK 25, with one core's parallelism too, the retry then never came.)
   */
  @Test
  void theRetryComesWhileTheCommonPoolIsBusy() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    int workers = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
    java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(workers);
    for (int i = 0; i < workers; i++) {
      java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
        busy.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    try {
      assertThat(busy.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the common pool's workers busy").isTrue();
      Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1",
          server.getPort())), s -> { }, List.of(Duration.ofMillis(10), Duration.ofMillis(20)));
      try (Downloader.Download d = downloader.start("claim-2", dir.resolve("spool-2.sealed"), 1000)) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (d.failure().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(downloads.get()).as("the first attempt and one per wait, within 10 s").isEqualTo(3);
        assertThat(d.failure()).hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo("SERVER_BUSY"));
      }
    } finally {
      release.countDown();
    }
  }
}
