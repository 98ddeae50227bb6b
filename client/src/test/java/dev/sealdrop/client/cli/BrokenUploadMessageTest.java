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

  /**
   * A re-run that resumes states its grant's terms: terms the server would refuse the grant for are refused before the
   * rest is uploaded, and the interrupted upload is kept for a re-run with terms it accepts (before, the re-run stated
   * none, uploaded the rest, and was refused the grant only then).
   */
  @Test
  void aResumeWithTermsTheServerRefusesIsRefusedBeforeTheRestIsUploadedAndKeepsTheUpload() throws Exception {
    Path certs = root.resolve("certs");
    try (SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", proxy.address());
      Users.initAndPublish(pki, root, "bob", "127.0.0.1:" + server.port());
      byte[] content = new byte[4 << 20];
      new Random(9).nextBytes(content);
      Path file = Files.write(root.resolve("clients.bin"), content);

      proxy.cutUpstreamAfter.set(1_000_000);
      alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);
      long upstreamBefore = proxy.upstreamBytes();
      CliRun refused = alice.run("--json", "send", file.toString(), "--to", "bob", "--downloads", "20").assertExit(2);
      assertThat(refused.jsonError()).containsEntry("reason", "INVALID_REQUEST");
      assertThat((String) refused.jsonError().get("message"))
          .contains("a grant allows 1 to 10 downloads on this server; asked for 20");
      assertThat((String) refused.jsonError().get("hint")).startsWith("nothing more was uploaded")
          .contains("the interrupted upload is kept");
      assertThat(refused.err()).doesNotContain("resuming the interrupted upload").doesNotContain("starting over");
      assertThat(proxy.upstreamBytes() - upstreamBefore).as("no envelope bytes sent").isLessThan(200_000);

      CliRun resumed = alice.run("--json", "send", file.toString(), "--to", "bob", "--downloads", "2").assertExit(0);
      assertThat(resumed.err()).contains("resuming the interrupted upload");
      namesItsOwnFingerprint(resumed);
    }
  }

  /**
   * The fingerprint the broken run computed when it sealed is what the resumed run tells the recipient to expect, and
   * what the server's grant must name: not the server's word for it, with a note to check it against a fingerprint no
   * run had printed (the broken run failed before it printed one). Before, a compromised server that broke the
   * connection once could have the resumed send grant an older file of the sender's instead.
   */
  @Test
  void aResumedSendNamesTheFingerprintItsSealingComputedNotTheServers() throws Exception {
    Path certs = root.resolve("certs");
    try (SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", proxy.address());
      Users.initAndPublish(pki, root, "bob", "127.0.0.1:" + server.port());
      byte[] content = new byte[4 << 20];
      new Random(8).nextBytes(content);
      Path file = Files.write(root.resolve("clients.bin"), content);

      proxy.cutUpstreamAfter.set(1_000_000);
      alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);
      CliRun resumed = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(resumed.err()).contains("resuming the interrupted upload");
      namesItsOwnFingerprint(resumed);
    }
  }

  /**
   * The same for a send whose upload completed and whose grant the server refused (its sender had as many live grants
   * as it allows): the re-run creates the grant without uploading again, and names the fingerprint the first run
   * computed (which that run printed in a note, before its error).
   */
  @Test
  void aSendRerunAfterItsGrantWasRefusedNamesTheFingerprintItsSealingComputed() throws Exception {
    Path certs = root.resolve("certs");
    ServerConfig dev = ServerConfig.development(root.resolve("data"), certs);
    // one live grant each: the second send uploads, and its grant is refused (TOO_MANY_GRANTS) until a place is free
    try (SealdropServer server = SealdropServer.start(dev.withGrants(dev.grants().withMaxLiveGrantsPerIdentity(1)))) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", "127.0.0.1:" + server.port());
      Users.initAndPublish(pki, root, "bob", "127.0.0.1:" + server.port());
      Path first = Files.writeString(root.resolve("first.csv"), "id,name\n0,ZERO\n");
      String held = (String) alice.run("--json", "send", first.toString(), "--to", "bob").assertExit(0).object("grant")
          .get("grant_id");
      Path file = Files.writeString(root.resolve("clients.csv"), "id,name\n1,ACME\n");

      CliRun refused = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(6);
      assertThat(refused.err()).contains("the file was sealed with fingerprint");
      alice.run("grants", "revoke", held).assertExit(0);
      CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(again.err()).contains("the file was already uploaded; creating the grant");
      namesItsOwnFingerprint(again);
    }
  }

  /**
   * A send whose connection breaks where the profile's disk cannot hold the spool (the sealed rest of the file) is told
   * which file could not be written and that it is the profile's: free space there, or copy the profile and give the
   * copy with --home (docs/cli.md, exit code 2). Before, it said "cannot write: the disk is full" and to choose an
   * output folder with -o, which `send` does not have. Needs the right to mount (root).
   */
  @Test
  void aSpoolTheProfilesDiskCannotHoldNamesTheProfileNotAnOutputFolder() throws Exception {
    Path certs = root.resolve("certs");
    try (SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", proxy.address());
      Users.initAndPublish(pki, root, "bob", "127.0.0.1:" + server.port());
      byte[] content = new byte[4 << 20];
      new Random(9).nextBytes(content);
      Path file = Files.write(root.resolve("clients.bin"), content);
      Path uploads = Files.createDirectories(alice.home().resolve("state").resolve("uploads"));
      Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", uploads.toString())
          .redirectErrorStream(true).start();
      org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "no right to mount here");
      try {
        proxy.cutUpstreamAfter.set(1_000_000);
        CliRun full = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(2);
        assertThat(full.jsonError()).containsEntry("reason", "NO_SPACE");
        assertThat((String) full.jsonError().get("message")).startsWith("cannot write " + uploads.resolve(""))
            .contains("the disk is full");
        assertThat((String) full.jsonError().get("hint")).contains("copy the profile " + alice.home())
            .contains("--home").doesNotContain("(-o)");
      } finally {
        new ProcessBuilder("umount", uploads.toString()).start().waitFor();
      }
    }
  }

  /** The run's "they run: ... --fingerprint FP" names the fingerprint of its grant as its own, not the server's word. */
  private static void namesItsOwnFingerprint(CliRun run) {
    @SuppressWarnings("unchecked")
    String fingerprint = (String) ((java.util.Map<String, Object>) run.json().get("grant")).get("fingerprint");
    assertThat(run.err()).contains("--fingerprint " + fingerprint).doesNotContain("the fingerprint the server names");
  }
}
