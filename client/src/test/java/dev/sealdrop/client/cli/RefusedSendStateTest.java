package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.testing.CuttingProxy;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real server: what alice's profile keeps of an interrupted {@code send} (its state and
 * the sealed part in state/uploads) stays for a re-run after a failure a re-run can get past (a
 * broken network), and is deleted, with the hint saying so, when the server refuses alice herself
 * (identity or certificate revoked): before, it stayed in the profile for good; a disabled identity's send stays
 * resumable.
 */
class RefusedSendStateTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @TempDir
  Path root;
  SealdropServer server;
  CuttingProxy proxy;
  DevPki pki;
  Cli alice;
  Cli carol;
  Path file;

  @BeforeEach
  void start() throws Exception {
    Path certs = root.resolve("certs");
    pki = DevPki.loadOrCreate(certs);
    server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
    proxy = new CuttingProxy(server.port());
    carol = Users.initWithAdmin(pki, root, "carol", server);
    Users.init(pki, root, "bob", "127.0.0.1:" + server.port()).run("keys", "publish").assertExit(0);
    alice = Users.init(pki, root, "alice", proxy.address());
    alice.run("keys", "publish").assertExit(0);
    file = root.resolve("figures.bin");
    byte[] bytes = new byte[2 << 20];
    new Random(21).nextBytes(bytes);
    Files.write(file, bytes);
  }

  @AfterEach
  void stop() throws Exception {
    threads.shutdownNow();
    if (proxy != null) {
      proxy.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private CliRun send() {
    return alice.run("--json", "send", file.toString(), "--to", "bob");
  }

  private List<String> kept() throws Exception {
    try (Stream<Path> s = Files.list(alice.home().resolve("state/uploads"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A send whose connection breaks mid-upload: its state and the sealed rest are kept to resume. */
  private List<String> interruptedSend() throws Exception {
    proxy.cutUpstreamAfter.set(600_000);
    CliRun cut = send().assertExit(8);
    assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "UPLOAD_INTERRUPTED");
    List<String> kept = kept();
    assertThat(kept).as("state and sealed part kept to resume").hasSize(2)
        .anyMatch(n -> n.endsWith(".properties")).anyMatch(n -> n.endsWith(".sealed"));
    return kept;
  }

  /**
   * Two runs of the same send with the same profile at once shared one state file and spool: after a crash the
   * re-run resumed one upload with the other's spool (refused only at finish, as if tampered with). The second run
   * is refused at once, and the first one finishes.
   */
  @Test
  void aSecondRunOfTheSameSendWhileTheFirstUploadsIsRefusedAndTheFirstFinishes() throws Exception {
    proxy.stallUpstreamAfter.set(1 << 20); // well into the upload of the 2 MiB file
    CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(this::send, threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("the first send is uploading").isTrue();
    CliRun second = send().assertExit(2);
    assertThat(second.jsonError()).containsEntry("reason", "SEND_IN_PROGRESS");
    assertThat(second.err()).contains("another `sealdrop send` of this file to bob is running with this profile");
    // the same file through a symbolic link is the same send
    Path link = Files.createSymbolicLink(root.resolve("figures-link.bin"), file);
    assertThat(alice.run("--json", "send", link.toString(), "--to", "bob").assertExit(2).jsonError())
        .containsEntry("reason", "SEND_IN_PROGRESS");
    // and it is not abandoned under the running send's feet
    CliRun abandon = alice.run("--json", "send", file.toString(), "--to", "bob", "--abandon").assertExit(2);
    assertThat(abandon.jsonError()).containsEntry("reason", "SEND_IN_PROGRESS");
    assertThat(abandon.err()).contains("nothing was abandoned");
    proxy.resumeStalled.countDown();
    assertThat(first.get(120, TimeUnit.SECONDS).assertExit(0).json()).containsKey("token");
    assertThat(kept()).as("nothing left to resume").isEmpty();
  }

  /**
   * Review BE: the recipient disabled while the file uploaded: the grant was refused NOT_FOUND, and the hint said the
   * upload had been deleted, though it was stored (and the re-run granted it without uploading again).
   */
  @Test
  void aRecipientDisabledDuringTheUploadLeavesItStoredAndTheHintSaysSo() throws Exception {
    proxy.stallUpstreamAfter.set(1 << 20);
    java.util.concurrent.CompletableFuture<CliRun> first = java.util.concurrent.CompletableFuture.supplyAsync(
        this::send, threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("alice's send is uploading").isTrue();
    carol.run("admin", "identities", "disable", "bob", "--reason", "on leave").assertExit(0);
    proxy.resumeStalled.countDown();
    CliRun refused = first.get(120, TimeUnit.SECONDS).assertExit(2);
    assertThat(refused.jsonError()).as(refused.err()).containsEntry("reason", "NOT_FOUND");
    assertThat((String) refused.jsonError().get("message")).contains("disabled or revoked");
    assertThat((String) refused.jsonError().get("hint")).contains("is uploaded").contains("once bob is an enabled"
        + " identity again").doesNotContain("was deleted");

    carol.run("admin", "identities", "enable", "bob").assertExit(0);
    CliRun granted = send().assertExit(0);
    assertThat(granted.err()).contains("already uploaded");
    assertThat(granted.json()).containsKey("token");
  }

  /**
   * Review RM: the recipient published new keys while the file uploaded: the grant is refused NOT_SEALED_FOR_RECIPIENT,
   * and the hint said to re-run with terms the server accepts (the re-run met KEY_CHANGED). It says what to do, and
   * doing it sends the file sealed for the new keys.
   */
  @Test
  void aRecipientWhoseKeysChangedDuringTheUploadIsToldHowToSendForTheNewOnes() throws Exception {
    proxy.stallUpstreamAfter.set(1 << 20);
    java.util.concurrent.CompletableFuture<CliRun> first = java.util.concurrent.CompletableFuture.supplyAsync(
        this::send, threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("alice's send is uploading").isTrue();
    Users.init(pki, Files.createDirectories(root.resolve("bob-new")), "bob", "127.0.0.1:" + server.port())
        .run("keys", "publish").assertExit(0);
    proxy.resumeStalled.countDown();
    CliRun refused = first.get(120, TimeUnit.SECONDS).assertExit(2);
    assertThat(refused.jsonError()).as(refused.err()).containsEntry("reason", "NOT_SEALED_FOR_RECIPIENT");
    String hint = (String) refused.jsonError().get("hint");
    assertThat(hint).contains("no longer publishes").contains("--accept-new-key").contains("files delete f_")
        .doesNotContain("terms the server accepts");
    assertThat(refused.err()).doesNotContain("the re-run grants it");

    CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob", "--accept-new-key").assertExit(0);
    assertThat(again.json()).containsKey("token");
  }

  @Test
  void aBrokenNetworkOrADisabledIdentityKeepsTheSendToResumeARevokedIdentityDeletesIt() throws Exception {
    List<String> kept = interruptedSend();
    // a failure a re-run can get past keeps them: the network breaks again, during the resume
    proxy.cutUpstreamAfter.set(300_000);
    CliRun again = send().assertExit(8);
    assertThat(again.err()).contains("resuming the interrupted upload");
    assertThat(again.jsonError()).as(again.err()).containsEntry("reason", "UPLOAD_INTERRUPTED");
    assertThat(kept()).isEqualTo(kept);

    // disabled is the admin's reversible switch: the send stays resumable
    carol.run("admin", "identities", "disable", "alice", "--reason", "on leave").assertExit(0);
    CliRun refused = send().assertExit(3);
    assertThat(refused.jsonError()).as(refused.err()).containsEntry("reason", "IDENTITY_DISABLED");
    assertThat((String) refused.jsonError().get("hint")).contains("ask an admin to enable it again")
        .doesNotContain("deleted").contains("re-run the same command to resume it");
    assertThat(kept()).as("the disabled identity's send is kept to resume").isEqualTo(kept);
    // review BE: --abandon refused meanwhile says that nothing was abandoned
    CliRun notAbandoned = alice.run("--json", "send", file.toString(), "--to", "bob", "--abandon").assertExit(3);
    assertThat((String) notAbandoned.jsonError().get("hint")).contains("nothing was abandoned");
    assertThat(kept()).isEqualTo(kept);

    carol.run("admin", "identities", "enable", "alice").assertExit(0);
    CliRun done = send().assertExit(0);
    assertThat(done.err()).contains("resuming the interrupted upload");
    assertThat(done.json()).containsKey("token");
    assertThat(kept()).isEmpty();

    // a revoked identity, likewise (the server refuses it as CERTIFICATE_REVOKED too)
    Files.write(file, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND); // another send of the file
    List<String> again2 = interruptedSend();
    carol.run("admin", "identities", "revoke", "alice", "--reason", "left the deal").assertExit(0);
    CliRun revoked = send().assertExit(3);
    assertThat(revoked.jsonError()).as(revoked.err()).containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) revoked.jsonError().get("hint")).contains("was deleted").contains(again2.get(0));
    assertThat(kept()).isEmpty();
  }

  /**
   * Review BE: a grant revoked with its sender's identity was told "this grant was revoked", and the hint sent the
   * recipient to that sender, who can no longer send anything.
   */
  @Test
  void aGrantRevokedWithItsSendersIdentityIsToldSo() throws Exception {
    String token = (String) send().assertExit(0).json().get("token");
    carol.run("admin", "identities", "revoke", "alice", "--reason", "left the deal").assertExit(0);
    Cli bob = Users.user(root, "bob");
    CliRun refused = bob.run("--json", "receive", token, "-o", Files.createDirectories(root.resolve("in")).toString())
        .assertExit(4);
    assertThat(refused.jsonError()).containsEntry("reason", "GRANT_REVOKED");
    assertThat((String) refused.jsonError().get("message")).isEqualTo("this grant was revoked, and its sender 'alice'"
        + " has been revoked by an admin");
    assertThat((String) refused.jsonError().get("hint")).contains("no new grant can come from that identity")
        .doesNotContain("ask the sender for a new grant");
  }

  @Test
  void aRevokedCertificateDeletesTheSend() throws Exception {
    List<String> kept = interruptedSend();
    X509Certificate cert;
    try (InputStream in = Files.newInputStream(pki.certFile("alice"))) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    carol.run("admin", "identities", "revoke", "alice", "--certificate", cert.getSerialNumber().toString(16),
        "--reason", "lost laptop").assertExit(0);
    CliRun refused = send().assertExit(3);
    assertThat(refused.jsonError()).as(refused.err()).containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) refused.jsonError().get("hint")).contains("revocation is permanent")
        .contains("what your profile kept of this send to resume it was deleted").contains(kept.get(0))
        .contains("with a new certificate (`sealdrop keys renew`").doesNotContain("accepts you again");
    assertThat(kept()).as("nothing of the refused send is left in the profile").isEmpty();
  }

  /**
   * Round CP: a send whose identity was revoked while it uploaded said "the re-run resumes its upload", then that what
   * the profile kept was deleted and no re-run could use it, and offered a new certificate, which a revoked identity
   * cannot use. It now says only what holds.
   */
  @Test
  void aSendWhoseIdentityIsRevokedWhileItUploadsPromisesNoReRun() throws Exception {
    proxy.stallUpstreamAfter.set(1 << 20); // well into the upload of the 2 MiB file
    CompletableFuture<CliRun> sending = CompletableFuture.supplyAsync(this::send, threads);
    assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("the send is uploading").isTrue();
    carol.run("admin", "identities", "revoke", "alice", "--reason", "left the deal").assertExit(0);
    proxy.resumeStalled.countDown();
    CliRun refused = sending.get(120, TimeUnit.SECONDS).assertExit(3);
    assertThat(refused.jsonError()).as(refused.err()).containsEntry("reason", "CERTIFICATE_REVOKED");
    assertThat((String) refused.jsonError().get("message")).contains("your identity was revoked by an admin");
    assertThat((String) refused.jsonError().get("hint")).contains("was deleted").doesNotContain("keys renew")
        .doesNotContain("which it was");
    assertThat(refused.err()).doesNotContain("the re-run resumes");
    assertThat(kept()).isEmpty();
  }
}
