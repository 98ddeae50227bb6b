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
 * The download spool lives in the profile, which may be on another disk than the output: when that disk is full
 * (a real 64 KiB tmpfs here, so this needs the right to mount one: root in a container), the failure is NO_SPACE
 * naming the spool's folder, not a network failure or a bare "the disk is full".
 */
@EnabledOnOs(OS.LINUX)
class DownloaderDiskFullTest {
  private static final int SIZE = 512 * 1024;

  @Test
  void aFullProfileDiskIsNamedAsTheSpoolFolder(@TempDir Path root) throws Exception {
    Path spoolDir = Files.createDirectory(root.resolve("downloads"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", spoolDir.toString())
        .redirectErrorStream(true).start();
    Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (not root)");
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void download(DownloadRequest request, StreamObserver<DownloadResponse> response) {
            for (int at = (int) request.getOffset(); at < SIZE; at += 32 * 1024) {
              response.onNext(DownloadResponse.newBuilder().setOffset(at).setTotalSize(SIZE)
                  .setData(ByteString.copyFrom(new byte[32 * 1024])).build());
            }
            response.onCompleted();
          }
        }).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Downloader downloader = new Downloader(new ServerConnection(channel, new HostPort("127.0.0.1",
          server.getPort())), s -> { });
      SealdropFailure f;
      try (Downloader.Download d = downloader.start("claim-1", spoolDir.resolve("spool.sealed"), SIZE)) {
        f = catchThrowableOfType(SealdropFailure.class, d::await);
      }
      assertThat(f).isNotNull();
      assertThat(f.reason()).isEqualTo("NO_SPACE");
      assertThat(f.getMessage()).isEqualTo("cannot write into " + spoolDir + ": the disk is full (No space left on"
          + " device)");
      assertThat(f.hint()).hasValueSatisfying(h -> assertThat(h).contains("`df -h " + spoolDir + "`")
          .contains("the download resumes").doesNotContain("-o"));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      new ProcessBuilder("umount", spoolDir.toString()).start().waitFor();
    }
  }
}
