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
 * The download reader hands the opener exactly the bytes the server sent, in order, whether they
 * come from the newest messages kept in memory or are read back from the spool (a reader that fell
 * more than 8 MiB behind, or the part of a spool that an earlier run downloaded).
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
  void aReaderFarBehindGetsTheSpoolThenMemoryAndEveryByteInOrder() throws Exception {
    byte[] data = random(20 * 1024 * 1024 + 777);
    Path spool = Files.createDirectories(root.resolve("behind")).resolve("spool.sealed");
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile());
        ServerConnection c = connect(server)) {
      server.upload.write(data);
      try (Downloader.Download d = new Downloader(c, note -> { }).start("claim-1", spool, data.length)) {
        // the whole download lands first: the reader starts 20 MiB behind, beyond what memory keeps
        assertThat(d.await()).isEqualTo(data.length);
        try (InputStream in = d.reader()) {
          assertThat(java.util.Arrays.mismatch(readAll(in, 100_003), data)).as("first byte that differs").isEqualTo(-1);
        }
      }
      assertThat(java.util.Arrays.mismatch(Files.readAllBytes(spool), data)).as("spool: first byte that differs").isEqualTo(-1);
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
