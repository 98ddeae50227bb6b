package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.testing.CuttingProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Round AX: one bit flipped in a download on its way (a faulty network device) ended the receive with "TLS handshake
 * failed", TLS_REFUSED, exit 3, and a hint to check certificates and a `--server` option receive does not have. TLS
 * found the record damaged and used none of it: that is a broken connection (exit 8), and the re-run resumes.
 */
class DamagedConnectionTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void aDownloadDamagedInTransitIsABrokenConnectionAndTheRerunResumes() throws Exception {
    byte[] bytes = new byte[4 << 20];
    new Random(43).nextBytes(bytes);
    Path file = Files.write(root.resolve("damaged.bin"), bytes);
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = emptyDir("damaged-out");
    try (CuttingProxy proxy = new CuttingProxy(server.port())) {
      Users.retarget(bob, proxy.address());
      proxy.flipDownstreamAt.set(2_000_000);
      CliRun damaged = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
      assertThat(damaged.jsonError()).containsEntry("reason", "DOWNLOAD_INTERRUPTED");
      assertThat(damaged.err()).contains("the connection to the server was damaged",
          "failed its integrity check", "your claim is kept until").doesNotContain("handshake", "certificate");

      CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
      assertThat(again.json()).containsEntry("ok", true);
    } finally {
      Users.retarget(bob, address);
    }
    assertThat(Files.readAllBytes(out.resolve("damaged.bin"))).isEqualTo(bytes);
  }

  /**
   * Round BC: a record whose header was damaged no longer reads as TLS at all, and the receive said "what answers at
   * that address does not speak TLS, so it is not a sealdrop server", after 2 MiB of TLS from it.
   */
  @Test
  void aDamagedRecordHeaderMidDownloadIsNotCalledANonTlsServer() throws Exception {
    byte[] bytes = new byte[4 << 20];
    new Random(44).nextBytes(bytes);
    Path file = Files.write(root.resolve("header.bin"), bytes);
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = emptyDir("header-out");
    try (CuttingProxy proxy = new CuttingProxy(server.port())) {
      Users.retarget(bob, proxy.address());
      proxy.flipDownstreamHeaderAt.set(2_000_000);
      CliRun damaged = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
      assertThat(damaged.jsonError()).containsEntry("reason", "DOWNLOAD_INTERRUPTED");
      assertThat(damaged.err()).contains("the connection to the server was damaged").doesNotContain("speak TLS");
      bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    } finally {
      Users.retarget(bob, address);
    }
    assertThat(Files.readAllBytes(out.resolve("header.bin"))).isEqualTo(bytes);
  }
}
