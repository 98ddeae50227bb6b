package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing is spooled while a download goes well, so memory is what bounds it: the downloader asks the server for
 * more only as its reader takes what arrived. A reader that has not started yet holds the download at
 * {@link Downloader.Download#AHEAD_BYTES} plus the messages already asked for, not the whole file.
 */
@Timeout(120)
class DownloaderMemoryBoundTest {
  private static final int MESSAGE = 1 << 20;
  private static final int SIZE = 48 * MESSAGE + 123;

  private static byte[] bytes(int from, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((from + i) * 131 + 17);
    }
    return b;
  }

  @Test
  void aReaderThatHasNotStartedHoldsTheDownloadAtAFewMegabytes(@TempDir Path dir) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            for (int at = (int) request.getOffset(); at < SIZE; at += MESSAGE) {
              int n = Math.min(MESSAGE, SIZE - at);
              response.onNext(DownloadResponse.newBuilder().setOffset(at).setTotalSize(SIZE)
                  .setData(ByteString.copyFrom(bytes(at, n))).build());
            }
            response.onCompleted();
          }
        }).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .maxInboundMessageSize(4 * MESSAGE).build();
    try {
      Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1",
          server.getPort())), s -> { });
      Path spool = dir.resolve("spool.sealed");
      try (Downloader.Download d = downloader.start("claim-1", spool, SIZE)) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (d.arrived() < Downloader.Download.AHEAD_BYTES && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        Thread.sleep(1500); // time for anything more to arrive, if the downloader kept asking
        long limit = Downloader.Download.AHEAD_BYTES + (long) Downloader.MESSAGES_AHEAD * MESSAGE;
        assertThat(d.arrived()).as("bytes held for a reader that has not started")
            .isGreaterThanOrEqualTo(Downloader.Download.AHEAD_BYTES).isLessThanOrEqualTo(limit);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (InputStream in = d.reader()) {
          byte[] buf = new byte[65_552];
          for (int n; (n = in.read(buf)) != -1; ) {
            all.write(buf, 0, n);
          }
        }
        assertThat(d.await()).isEqualTo(SIZE);
        assertThat(all.toByteArray()).isEqualTo(bytes(0, SIZE));
      }
      assertThat(Files.size(spool)).as("nothing spooled").isZero();
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
