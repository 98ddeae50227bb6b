package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round CE: a server that keeps the connection open (it answers keepalive pings) but sends nothing more held a receive
 * for ever (twelve minutes, until a signal). The reader waits at most the stall time for the next byte; then the
 * download fails as DOWNLOAD_STALLED (resumable), and the call is cancelled.
 */
class DownloaderStallTest {
  @TempDir
  Path dir;
  private final List<StreamObserver<DownloadResponse>> held = new CopyOnWriteArrayList<>();
  /** Whether the server ends the stream after its 1000 bytes instead of falling silent. */
  private volatile boolean endEarly;
  /** Whether the server sends the whole 5000 bytes and then more than it announced. */
  private volatile boolean overflow;
  /** Whether the server sends the whole 5000 bytes and then falls silent with the stream open. */
  private volatile boolean silentAfterAll;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            // the first 1000 of 5000 bytes, then silence with the stream open (or the end of the stream)
            response.onNext(DownloadResponse.newBuilder().setOffset(0).setTotalSize(5000)
                .setData(ByteString.copyFrom(new byte[1000])).build());
            if (silentAfterAll) {
              response.onNext(DownloadResponse.newBuilder().setOffset(1000).setTotalSize(5000)
                  .setData(ByteString.copyFrom(new byte[4000])).build());
              held.add(response);
            } else if (overflow) {
              // the rest of the 5000, then 100 bytes past the size it announced
              response.onNext(DownloadResponse.newBuilder().setOffset(1000).setTotalSize(5000)
                  .setData(ByteString.copyFrom(new byte[4000])).build());
              response.onNext(DownloadResponse.newBuilder().setOffset(5000).setTotalSize(5000)
                  .setData(ByteString.copyFrom(new byte[100])).build());
              response.onCompleted();
            } else if (endEarly) {
              response.onCompleted();
            } else {
              held.add(response);
            }
          }
        }).build().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    // connected before a test starts: a stall limit is not meant to cover setting up a fresh connection
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    io.grpc.ConnectivityState state = channel.getState(true);
    while (state != io.grpc.ConnectivityState.READY && System.nanoTime() - deadline < 0) {
      java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      changed.await(1, java.util.concurrent.TimeUnit.SECONDS);
      state = channel.getState(true);
    }
    assertThat(state).as("the test server's connection is up").isEqualTo(io.grpc.ConnectivityState.READY);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // without the stall time the reader waited for ever
  void aServerThatFallsSilentEndsTheDownloadAsStalled() throws Exception {
    // the stall time also covers the first message, a call's round trip, which a busy machine can make take seconds
    Duration stallAfter = Duration.ofMillis(2500);
    Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())),
        note -> { }, List.of(), stallAfter);
    long t0 = System.nanoTime();
    IOException failed;
    try (Downloader.Download d = downloader.start("claim-1", dir.resolve("spool.sealed"), 5000);
        InputStream in = d.reader()) {
      assertThat(in.readNBytes(1000)).hasSize(1000);
      failed = org.assertj.core.api.Assertions.catchThrowableOfType(IOException.class, in::read);
      assertThat(d.failure()).hasValueSatisfying(f -> {
        assertThat(f.reason()).isEqualTo("DOWNLOAD_STALLED");
        assertThat(f.getMessage()).contains("the server sent nothing for").contains("after 1000 of 5000 bytes");
        assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("the download resumes"));
      });
    }
    assertThat(failed).as("the reader is not left waiting").isNotNull();
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms until it gave up")
        .isGreaterThanOrEqualTo(stallAfter.toMillis());
  }

  /**
   * A server that sent every byte and then falls silent with the stream open: the reader has ended at the announced
   * size, and the wait for the stream's end is short, not the stall time (session 50: a receive that had verified and
   * placed the file waited the whole 10 minutes before it confirmed).
   */
  @Test
  @org.junit.jupiter.api.Timeout(60) // without the short wait: the stall time, 5 minutes
  void aServerSilentAfterItsLastByteIsWaitedForBriefly() throws Exception {
    silentAfterAll = true;
    Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())),
        note -> { }, List.of(), Duration.ofMinutes(5), Duration.ofMillis(500));
    try (Downloader.Download d = downloader.start("claim-4", dir.resolve("spool4.sealed"), 5000);
        InputStream in = d.reader()) {
      assertThat(in.readAllBytes()).as("every byte, without the stream's end").hasSize(5000);
      long t0 = System.nanoTime();
      SealdropFailure f = org.assertj.core.api.Assertions.catchThrowableOfType(SealdropFailure.class, d::await);
      assertThat((System.nanoTime() - t0) / 1_000_000).as("ms it waited for the end").isLessThan(30_000);
      assertThat(f.reason()).isEqualTo("DOWNLOAD_STALLED");
      assertThat(f.getMessage()).startsWith("the server sent every byte (5000) but did not end the download within");
    }
  }

  /**
   * The reader ends at the announced size without waiting for the stream's end (so that a receive puts a verified file
   * in place even if the stream then breaks): bytes a server sends past that size never reach it, and the download
   * fails as a broken protocol.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void bytesPastTheAnnouncedSizeNeverReachTheReader() throws Exception {
    overflow = true;
    Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())),
        note -> { }, List.of(), Duration.ofMinutes(5));
    try (Downloader.Download d = downloader.start("claim-3", dir.resolve("spool3.sealed"), 5000);
        InputStream in = d.reader()) {
      assertThat(in.readAllBytes()).as("exactly the announced size").hasSize(5000);
      SealdropFailure f = org.assertj.core.api.Assertions.catchThrowableOfType(SealdropFailure.class, d::await);
      assertThat(f.reason()).isEqualTo("DOWNLOAD_SIZE_MISMATCH");
      assertThat(f.getMessage()).contains("more data than the grant's size (5000 bytes)");
    }
  }

  /**
   * A server that ends the stream short of the size it announced: resumable, and if it ends at the same byte again the
   * server's copy or size is wrong (round CE: an announced size far beyond the envelope failed alike on every run, and
   * the hint said only to re-run).
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aServerThatEndsTheDownloadShortSaysWhereAndWhatToDoIfItRecurs() throws Exception {
    endEarly = true;
    Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort())),
        note -> { }, List.of(), Duration.ofMinutes(5));
    try (Downloader.Download d = downloader.start("claim-2", dir.resolve("spool2.sealed"), 5000);
        InputStream in = d.reader()) {
      assertThat(in.readNBytes(1000)).hasSize(1000);
      org.assertj.core.api.Assertions.catchThrowableOfType(IOException.class, in::read);
      assertThat(d.failure()).hasValueSatisfying(f -> {
        assertThat(f.reason()).isEqualTo("DOWNLOAD_TRUNCATED");
        assertThat(f.getMessage()).isEqualTo("the server ended the download after 1000 of 5000 bytes");
        assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("the download resumes")
            .contains("if it ends at the same byte again").contains("tell the server's operator"));
      });
    }
  }
}
