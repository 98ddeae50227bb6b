package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Download messages are parsed where the transport received them (no copy per message), over the same mutual
 * TLS the CLI uses, and every message's buffers are given back: once the reader is past them, and all of them
 * when the download is closed, whether it finished, broke or was refused.
 */
@Timeout(120)
class DownloadMessagesTest {
  private static final int MESSAGE = 1 << 20;
  @TempDir
  static Path root;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  /** A TLS server whose download sends {@code data} in 1 MiB messages, then fails after {@code breakAfter} messages. */
  private static Server server(byte[] data, int breakAfter, long offsetSkew) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.forServer(pki.certFile("server").toFile(), pki.keyFile("server").toFile())
            .trustManager(pki.caCertFile().toFile()).clientAuth(ClientAuth.REQUIRE).build())
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            int sent = 0;
            for (int at = (int) request.getOffset(); at < data.length; at += MESSAGE) {
              if (sent++ == breakAfter) {
                response.onError(Status.UNAVAILABLE.withDescription("cut by the test").asRuntimeException());
                return;
              }
              int n = Math.min(MESSAGE, data.length - at);
              response.onNext(DownloadResponse.newBuilder().setOffset(at + (sent == 3 ? offsetSkew : 0))
                  .setTotalSize(data.length).setData(ByteString.copyFrom(data, at, n)).build());
            }
            response.onCompleted();
          }
        }).build().start();
  }

  private static ServerConnection connect(Server server) throws Exception {
    ChannelFactory f = new ChannelFactory(pki.certFile("bob"), pki.keyFile("bob"), pki.caCertFile());
    return ServerConnection.open(f, new HostPort("127.0.0.1", server.getPort()));
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[65_552];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Test
  void everyMessageIsReadWhereTheTransportReceivedItAndItsBuffersAreGivenBack() throws Exception {
    byte[] data = random(24 * MESSAGE + 4321);
    Server server = server(data, Integer.MAX_VALUE, 0);
    try (ServerConnection c = connect(server)) {
      Downloader.Download d = new Downloader(c, s -> { }).start("claim-1", root.resolve("whole.sealed"), data.length);
      DownloadMessages messages = d.messages();
      try (d; InputStream in = d.reader()) {
        byte[] got = readAll(in);
        assertThat(d.await()).isEqualTo(data.length);
        assertThat(Arrays.mismatch(got, data)).as("first byte that differs").isEqualTo(-1);
        assertThat(messages.aliased()).as("messages parsed over the transport's buffers").isEqualTo(25);
        assertThat(messages.holding()).as("messages held: the last ones the reader took, for keepTail")
            .isBetween(1, (int) (Downloader.Download.RETAINED_BYTES / MESSAGE) + 1);
      }
      assertThat(messages.holding()).as("buffers not given back after close").isZero();
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void aBrokenDownloadKeepsWhatArrivedUntilClosedThenGivesEveryBufferBack() throws Exception {
    byte[] data = random(12 * MESSAGE);
    Path spool = root.resolve("broken.sealed");
    Server server = server(data, 5, 0);
    try (ServerConnection c = connect(server)) {
      Downloader.Download d = new Downloader(c, s -> { }).start("claim-1", spool, data.length);
      DownloadMessages messages = d.messages();
      try (d; InputStream in = d.reader()) {
        IOException broke = catchThrowableOfType(IOException.class, () -> readAll(in));
        assertThat(broke).hasMessageContaining("the download failed");
        assertThat(messages.holding()).as("the last messages stay for keepTail").isPositive();
        java.nio.file.Files.write(spool, Arrays.copyOf(data, 4 * MESSAGE)); // the part the opener verified
        assertThat(d.keepTail()).isEqualTo(5L * MESSAGE);
        assertThat(Arrays.mismatch(java.nio.file.Files.readAllBytes(spool), Arrays.copyOf(data, 5 * MESSAGE)))
            .as("first byte that differs").isEqualTo(-1);
      }
      assertThat(messages.holding()).as("buffers not given back after close").isZero();
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void aRefusedMessageGivesItsBuffersBack() throws Exception {
    byte[] data = random(8 * MESSAGE);
    Server server = server(data, Integer.MAX_VALUE, 7);
    try (ServerConnection c = connect(server)) {
      Downloader.Download d = new Downloader(c, s -> { }).start("claim-1", root.resolve("skewed.sealed"), data.length);
      DownloadMessages messages = d.messages();
      try (d) {
        dev.sealdrop.client.failure.SealdropFailure f =
            catchThrowableOfType(dev.sealdrop.client.failure.SealdropFailure.class, d::await);
        assertThat(f.reason()).isEqualTo("DOWNLOAD_OUT_OF_ORDER");
        assertThat(messages.aliased()).isGreaterThanOrEqualTo(3);
      }
      assertThat(messages.holding()).as("buffers not given back after close").isZero();
    } finally {
      server.shutdownNow();
    }
  }
}
