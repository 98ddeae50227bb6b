package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.testing.CuttingProxy;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A send whose connection breaks mid-upload (the network drops, the server crashes) says so in one
 * readable line, in its JSON document and on stderr: never the Java stack trace of the socket
 * error under it (docs/cli.md: "Stack traces appear only with --verbose"). Real server, alice's
 * connection through a proxy that resets it after 1 MB.
 */
class BrokenUploadMessageTest {
  @TempDir
  Path root;

  @Test
  void anUploadInterruptedByABrokenConnectionIsReportedWithoutAStackTrace() throws Exception {
    Path certs = root.resolve("certs");
    try (SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", proxy.address());
      Users.initAndPublish(pki, root, "bob", "127.0.0.1:" + server.port());
      byte[] content = new byte[4 << 20];
      new Random(7).nextBytes(content);
      Path file = Files.write(root.resolve("clients.bin"), content);

      proxy.resetOnCut = true; // the socket error then carries a cause, and with it a stack trace
      proxy.cutUpstreamAfter.set(1_000_000);
      CliRun broken = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);
      String message = (String) broken.jsonError().get("message");
      assertThat(broken.jsonError()).containsEntry("reason", "UPLOAD_INTERRUPTED");
      // in words, not gRPC's ("UNAVAILABLE: io exception (Connection reset)")
      assertThat(message).startsWith("the upload was interrupted: the connection to the server broke")
          .doesNotContain("UNAVAILABLE").doesNotContain("io exception")
          .doesNotContain("\n").doesNotContain("\tat ").doesNotContain("Status{").doesNotContain("io.netty");
      assertThat(broken.err()).doesNotContain("\tat ").doesNotContain("?at ").doesNotContain("io.netty")
          .contains("re-run the same command to resume");

      CliRun resumed = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(resumed.err()).contains("resuming the interrupted upload");
    }
  }
}
