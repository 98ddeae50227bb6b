package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download spool lives in the profile, which may be on another disk than the output. Nothing is spooled
 * while a download goes well, so a full profile disk (a real 64 KiB tmpfs here, so this needs the right to
 * mount one: root in a container) does not stop it; after a break, keeping what arrived fails with the disk's
 * own error and leaves a shorter spool that is still the envelope's first bytes.
 */
@EnabledOnOs(OS.LINUX)
class DownloaderDiskFullTest {
  private static final int SIZE = 512 * 1024;

  private static byte[] bytes(int from, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ((from + i) * 31 + 7);
    }
    return b;
  }

  private static Server server(boolean breakAtTheEnd) throws java.io.IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            int last = breakAtTheEnd ? SIZE - 32 * 1024 : SIZE;
            for (int at = (int) request.getOffset(); at < last; at += 32 * 1024) {
              response.onNext(DownloadResponse.newBuilder().setOffset(at).setTotalSize(SIZE)
                  .setData(ByteString.copyFrom(bytes(at, 32 * 1024))).build());
            }
            if (breakAtTheEnd) {
              response.onError(io.grpc.Status.UNAVAILABLE.withDescription("test: connection lost").asRuntimeException());
            } else {
              response.onCompleted();
            }
          }
        }).build().start();
  }

  private static byte[] readAll(java.io.InputStream in) throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[10_000];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static Path smallDisk(Path root) throws Exception {
    Path spoolDir = Files.createDirectory(root.resolve("downloads"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", spoolDir.toString())
        .redirectErrorStream(true).start();
    Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (not root)");
    return spoolDir;
  }

  @Test
  void aFullProfileDiskDoesNotStopADownloadThatGoesWell(@TempDir Path root) throws Exception {
    Path spoolDir = smallDisk(root);
    Server server = server(false);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1",
          server.getPort())), s -> { });
      try (Downloader.Download d = downloader.start("claim-1", spoolDir.resolve("spool.sealed"), SIZE);
          java.io.InputStream in = d.reader()) {
        assertThat(readAll(in)).isEqualTo(bytes(0, SIZE));
        assertThat(d.await()).isEqualTo(SIZE);
      }
      assertThat(Files.size(spoolDir.resolve("spool.sealed"))).isZero();
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      new ProcessBuilder("umount", spoolDir.toString()).start().waitFor();
    }
  }

  @Test
  void keepingWhatArrivedOnAFullProfileDiskFailsWithTheDisksErrorAndKeepsAValidPrefix(@TempDir Path root)
      throws Exception {
    Path spoolDir = smallDisk(root);
    Server server = server(true);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1",
          server.getPort())), s -> { });
      Path spool = spoolDir.resolve("spool.sealed");
      try (Downloader.Download d = downloader.start("claim-1", spool, SIZE);
          java.io.InputStream in = d.reader()) {
        assertThat(catchThrowableOfType(java.io.IOException.class, () -> readAll(in)))
            .hasMessageContaining("the download failed");
        SealdropFailure f = catchThrowableOfType(SealdropFailure.class, d::await);
        assertThat(f.reason()).isEqualTo("DOWNLOAD_INTERRUPTED");
        assertThat(catchThrowableOfType(java.io.IOException.class, d::keepTail))
            .hasMessageContaining("No space left on device");
      }
      byte[] kept = Files.readAllBytes(spool);
      assertThat(kept.length).isLessThanOrEqualTo(64 * 1024);
      assertThat(kept).isEqualTo(bytes(0, kept.length));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      new ProcessBuilder("umount", spoolDir.toString()).start().waitFor();
    }
  }
}
