package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.testing.CuttingProxy;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download cut because an admin disabled its sender (GRANT_SUSPENDED) keeps its claim: disabling is
 * reversible, and once the sender is enabled again the same receive resumes. Found by an outside test:
 * the CLI forgot the claim, and the re-run was refused as GRANT_CLAIMED (by its own forgotten claim) for
 * the rest of the claim window.
 */
class SuspendedReceiveTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @TempDir
  Path root;
  SealdropServer server;
  CuttingProxy proxy;
  Cli alice;
  Cli bob;
  Cli carol;
  Path file;
  DevPki pki;

  @BeforeEach
  void start() throws Exception {
    Path certs = root.resolve("certs");
    pki = DevPki.loadOrCreate(certs);
    server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
    proxy = new CuttingProxy(server.port());
    carol = Users.initWithAdmin(pki, root, "carol", server);
    alice = Users.init(pki, root, "alice", "127.0.0.1:" + server.port());
    alice.run("keys", "publish").assertExit(0);
    bob = Users.init(pki, root, "bob", proxy.address());
    bob.run("keys", "publish").assertExit(0);
    file = root.resolve("ledger.bin");
    byte[] bytes = new byte[24 << 20];
    new Random(67).nextBytes(bytes);
    Files.write(file, bytes);
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    proxy.resumeStalled.countDown();
    proxy.close();
    server.close();
  }

  @Test
  void aDownloadCutBecauseTheSenderWasDisabledResumesOnceTheSenderIsEnabled() throws Exception {
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    proxy.stallDownstreamAfter.set(4 << 20); // well into the download of the 24 MiB file
    CompletableFuture<CliRun> receive = CompletableFuture.supplyAsync(
        () -> bob.run("--json", "receive", token, "-o", out.toString()), threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("bob's receive is downloading").isTrue();
    carol.run("admin", "identities", "disable", "alice", "--reason", "audit").assertExit(0);
    proxy.resumeStalled.countDown();
    CliRun cut = receive.get(120, TimeUnit.SECONDS).assertExit(4);
    assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "GRANT_SUSPENDED");

    // a re-run while alice is still disabled cannot fetch her keys (the server stops serving a disabled identity's
    // bundle): it says so, and keeps the claim and what arrived (found by an outside test: the hint read as if
    // nothing was left to resume), and exits 4 as a fresh receive of the suspended grant would (not 2, a usage error:
    // round BG)
    CliRun early = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(4);
    assertThat(early.jsonError()).as(early.err()).containsEntry("reason", "SENDER_UNAVAILABLE");
    assertThat((String) early.jsonError().get("message")).contains("alice");
    assertThat((String) early.jsonError().get("hint")).contains("is kept", "enabled again", "resumes");

    carol.run("admin", "identities", "enable", "alice").assertExit(0);
    CliRun resumed = bob.run("--json", "receive", token, "-o", out.toString());
    resumed.assertExit(0);
    assertThat(Files.mismatch(out.resolve("ledger.bin"), file)).isEqualTo(-1L);
  }

  /** bob's receive of {@code token} into {@code out}, cut while it downloads by carol's {@code act} on bob; exit 3. */
  private CliRun receiveCutBy(String token, Path out, String act, String reason) throws Exception {
    proxy.stallDownstreamAfter.set(4 << 20);
    CompletableFuture<CliRun> receive = CompletableFuture.supplyAsync(
        () -> bob.run("--json", "receive", token, "-o", out.toString()), threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("bob's receive is downloading").isTrue();
    carol.run("admin", "identities", act, "bob", "--reason", reason).assertExit(0);
    proxy.resumeStalled.countDown();
    return receive.get(120, TimeUnit.SECONDS).assertExit(3);
  }

  /**
   * Review BD: the recipient disabled while it downloads was told only to ask for its enabling; what it downloaded and
   * its claim are kept, and the hint says so, with the claim's end (a disable does not stop its clock).
   */
  @Test
  void aDownloadCutBecauseTheRecipientWasDisabledSaysItResumesWithinItsClaim() throws Exception {
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = Files.createDirectories(root.resolve("bob-out-disabled"));
    CliRun cut = receiveCutBy(token, out, "disable", "on leave");
    assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "IDENTITY_DISABLED");
    assertThat((String) cut.jsonError().get("hint")).contains("identities enable bob")
        .contains("your claim on this grant is kept until ").contains("run the same command again within it to resume");

    carol.run("admin", "identities", "enable", "bob").assertExit(0);
    CliRun resumed = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    assertThat(resumed.err()).contains("resuming");
    assertThat(Files.mismatch(out.resolve("ledger.bin"), file)).isEqualTo(-1L);
  }

  /**
   * The opposite case: the recipient itself revoked by an admin while it downloads (its grants revoked with it): the
   * part of the file its profile kept goes (round BP: a 47 MB spool stayed).
   */
  @Test
  void aDownloadCutBecauseTheRecipientWasRevokedLeavesNothingInItsProfile() throws Exception {
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    CliRun cut = receiveCutBy(token, out, "revoke", "left the deal");
    assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) cut.jsonError().get("hint")).contains("the part of the file that had arrived was deleted")
        .doesNotContain("if only your certificate was revoked"); // review BD: after "your identity was revoked"
    assertThat((String) cut.jsonError().get("message")).contains("your identity was revoked");
    try (java.util.stream.Stream<Path> left = Files.list(bob.home().resolve("state/downloads"))) {
      // the claim stays (small; after a certificate-only revocation `keys renew` resumes under it: review BS)
      assertThat(left.map(p -> p.getFileName().toString())).as("no spool kept").noneMatch(n -> n.endsWith(".sealed"));
    }
    try (java.util.stream.Stream<Path> written = Files.list(out)) {
      assertThat(written).isEmpty();
    }
  }

  /**
   * Review BS: only the recipient's certificate revoked while it downloads (its identity and grants stand): after
   * `keys renew` to a new certificate, the same receive downloads the file under its claim, which the profile kept
   * (deleting it made the re-run wait out its own claim, refused GRANT_CLAIMED).
   */
  @Test
  void aDownloadCutBecauseOnlyTheRecipientsCertificateWasRevokedCompletesAfterKeysRenew() throws Exception {
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    java.security.cert.X509Certificate old;
    try (java.io.InputStream in = Files.newInputStream(bob.home().resolve("tls/client.crt"))) {
      old = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(in);
    }
    proxy.stallDownstreamAfter.set(4 << 20);
    CompletableFuture<CliRun> receive = CompletableFuture.supplyAsync(
        () -> bob.run("--json", "receive", token, "-o", out.toString()), threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("bob's receive is downloading").isTrue();
    carol.run("admin", "identities", "revoke", "bob", "--certificate", KeysRenewCommand.serial(old)).assertExit(0);
    proxy.resumeStalled.countDown();
    CliRun cut = receive.get(120, TimeUnit.SECONDS).assertExit(3);
    assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "CERTIFICATE_REVOKED");

    dev.sealdrop.certsdev.IssuedCert renewed = pki.issue(dev.sealdrop.certsdev.CertSpec.client("bob"));
    Path issued = Files.createDirectories(root.resolve("issued-bob"));
    Path cert = Files.copy(renewed.certFile(), issued.resolve("bob.crt"));
    Path key = Files.copy(renewed.keyFile(), issued.resolve("bob.key"));
    bob.run("keys", "renew", "--cert", cert.toString(), "--key", key.toString()).assertExit(0);
    CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    assertThat(again.json()).containsEntry("file_name", "ledger.bin");
    assertThat(Files.mismatch(out.resolve("ledger.bin"), file)).isEqualTo(-1L);
  }
}
