package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.Downloader;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.client.net.ServerConnection;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The download reader hands the opener exactly the bytes the server sent, in order, whether they come
 * from memory or from the part of a spool that an earlier run kept; nothing is written to the spool while
 * the download goes well, and the server is asked for more only as the reader takes what arrived; after a
 * break, {@code keepTail} completes the spool with what arrived.
 */
@Timeout(120)
class DownloaderReaderTest {
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

  private static byte[] readAll(InputStream in, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[chunk];
    for (int n; (n = in.read(buf)) != -1; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private static ServerConnection connect(FakeServer server) throws Exception {
    ChannelFactory f = new ChannelFactory(pki.certFile("bob"), pki.keyFile("bob"), pki.caCertFile());
    return ServerConnection.open(f, HostPort.parse(server.address()));
  }

  @Test
  void aReaderThatComesLateGetsEveryByteInOrderAndNothingIsSpooled() throws Exception {
    byte[] data = random(20 * 1024 * 1024 + 777);
    Path spool = Files.createDirectories(root.resolve("late")).resolve("spool.sealed");
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile());
        ServerConnection c = connect(server)) {
      server.upload.write(data);
      try (Downloader.Download d = new Downloader(c, note -> { }).start("claim-1", spool, data.length)) {
        Thread.sleep(1500); // the download runs ahead of a reader that has not started: it must wait for it
        assertThat(d.failure()).isEmpty();
        assertThat(Files.size(spool)).as("nothing spooled while the download goes well").isZero();
        try (InputStream in = d.reader()) {
          assertThat(java.util.Arrays.mismatch(readAll(in, 100_003), data)).as("first byte that differs").isEqualTo(-1);
        }
        assertThat(d.await()).isEqualTo(data.length);
      }
      assertThat(Files.size(spool)).isZero();
      assertThat(server.downloadStartOffsets).containsExactly(0L);
    }
  }

  @Test
  void afterABreakKeepTailCompletesTheSpoolWithEveryByteThatArrived() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 9);
    Path spool = Files.createDirectories(root.resolve("broken")).resolve("spool.sealed");
    int prefix = 500_000;
    Files.write(spool, java.util.Arrays.copyOf(data, prefix)); // an earlier run's part
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile());
        ServerConnection c = connect(server)) {
      server.upload.write(data);
      server.breakDownloadAfter = 3_000_000;
      try (Downloader.Download d = new Downloader(c, note -> { }).start("claim-1", spool, data.length);
          InputStream in = d.reader()) {
        java.io.IOException broke = org.assertj.core.api.Assertions.catchThrowableOfType(java.io.IOException.class,
            () -> readAll(in, 65_536));
        assertThat(broke).hasMessageContaining("the download failed");
        assertThat(Files.size(spool)).as("the earlier part only, until keepTail").isEqualTo(prefix);
        assertThat(d.keepTail()).as("memory no longer holds what follows the earlier part: nothing appended")
            .isEqualTo(prefix);
        // what the opener does first: it keeps the part it verified, which lags the reader by a few chunks
        Files.write(spool, java.util.Arrays.copyOf(data, 2_900_000));
        long kept = d.keepTail();
        assertThat(kept).isGreaterThanOrEqualTo(3_000_000L).isLessThan(data.length);
        byte[] spooled = Files.readAllBytes(spool);
        assertThat(spooled).hasSize((int) kept);
        assertThat(java.util.Arrays.mismatch(spooled, java.util.Arrays.copyOf(data, (int) kept)))
            .as("first byte that differs").isEqualTo(-1);
      }
    }
  }

  @Test
  void aReaderThatKeepsUpAndAResumedSpoolPrefixBothArriveIntact() throws Exception {
    byte[] data = random(6 * 1024 * 1024 + 5);
    Path spool = Files.createDirectories(root.resolve("resumed")).resolve("spool.sealed");
    int prefix = 1_000_000;
    Files.write(spool, java.util.Arrays.copyOf(data, prefix)); // an earlier run's part
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile());
        ServerConnection c = connect(server)) {
      server.upload.write(data);
      try (Downloader.Download d = new Downloader(c, note -> { }).start("claim-1", spool, data.length);
          InputStream in = d.reader()) {
        assertThat(d.resumedAt()).isEqualTo(prefix);
        assertThat(java.util.Arrays.mismatch(readAll(in, 65_536), data)).as("first byte that differs").isEqualTo(-1);
        assertThat(d.await()).isEqualTo(data.length);
      }
      assertThat(server.downloadStartOffsets).containsExactly((long) prefix);
    }
  }
}
