package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.testing.CuttingProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A receive cut off mid-download, whose file an admin then purged: the re-run was told "no claim matches this claim id"
 * with the hint "check the token" (outside test); the claim went with the grant, so the re-run redeems the token again
 * and is told the file was purged, and when.
 */
class ReceiveAfterPurgeTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;
  static Cli carol;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
    carol = Users.initWithAdmin(pki, root, "carol", server);
  }

  @Test
  void aResumeAfterThePurgeOfItsFileIsToldTheFileWasPurged() throws Exception {
    Interrupted i = interruptedReceive("purged", 35);
    carol.run("admin", "files", "purge", i.fileId(), "--reason", "deal off").assertExit(0);

    CliRun again = bob.run("--json", "receive", i.token(), "-o", i.out().toString()).assertExit(4);

    assertThat(again.jsonError()).containsEntry("reason", "FILE_PURGED");
    // the server keeps what became of the claim (purged_claims, round BL): told at once, without redeeming again
    assertThat(again.err()).contains("the grant's file was purged from the server by an admin at ")
        .doesNotContain("check the token").doesNotContain("no claim matches");
  }

  /**
   * The same resume after its sender deleted the file ({@code files delete}): the server says its sender deleted it,
   * and so must the receive, not that an admin purged it (review CT: every download-time FILE_PURGED that did not start
   * "the file was" was retold as an admin's purge).
   */
  @Test
  void aResumeAfterItsSenderDeletedTheFileIsToldTheSenderDeletedIt() throws Exception {
    Interrupted i = interruptedReceive("deleted", 37);
    alice.run("files", "delete", i.fileId()).assertExit(0);

    CliRun again = bob.run("--json", "receive", i.token(), "-o", i.out().toString()).assertExit(4);

    assertThat(again.jsonError()).containsEntry("reason", "FILE_PURGED");
    assertThat((String) again.jsonError().get("message")).contains("deleted from the server by its sender")
        .doesNotContain("admin");
  }

  /** A 4 MiB file alice sent bob, whose receive into {@code out} was cut after 2 MB (exit 8: a re-run resumes). */
  private record Interrupted(String token, String fileId, Path out) {}

  private static Interrupted interruptedReceive(String name, long seed) throws Exception {
    byte[] bytes = new byte[4 << 20];
    new Random(seed).nextBytes(bytes);
    Path file = Files.write(root.resolve(name + ".bin"), bytes);
    var sent = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json();
    String token = (String) sent.get("token");
    String fileId = (String) ((java.util.Map<?, ?>) sent.get("grant")).get("file_id");
    Path out = emptyDir(name + "-out");
    try (CuttingProxy proxy = new CuttingProxy(server.port())) {
      Users.retarget(bob, proxy.address());
      proxy.cutDownstreamAfter.set(2_000_000);
      bob.run("receive", token, "-o", out.toString()).assertExit(8);
    } finally {
      Users.retarget(bob, address);
    }
    return new Interrupted(token, fileId, out);
  }

  /**
   * A receive whose file was verified and written, but whose confirmation did not reach the server, and whose file an
   * admin purged before the re-run: the re-run only confirms (outside test: "this grant was revoked" / "check the
   * token", with the whole plaintext in the folder). Every byte had been served before the purge, so the download
   * counted (admin.md, `delivered-before-purge`): the server says so (round BL: it said "no claim matches this claim
   * id"), and the receive reports the file received.
   */
  @Test
  void aConfirmAfterThePurgeOfAFileServedInFullReportsItReceived() throws Exception {
    byte[] bytes = new byte[100_000];
    new Random(36).nextBytes(bytes);
    Path file = Files.write(root.resolve("written.bin"), bytes);
    var sent = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json();
    String token = (String) sent.get("token");
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> grant = (java.util.Map<String, Object>) sent.get("grant");
    // what a run that wrote the file and then lost its connection keeps: its claim and the file it wrote
    io.grpc.ManagedChannel ch = new dev.sealdrop.client.net.ChannelFactory(pki.certFile("bob"), pki.keyFile("bob"),
        pki.caCertFile()).open(dev.sealdrop.client.net.HostPort.parse(address));
    String claimId;
    try {
      var stub = dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(ch);
      claimId = stub.redeem(dev.sealdrop.protocol.v1.RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
      stub.download(dev.sealdrop.protocol.v1.DownloadRequest.newBuilder().setClaimId(claimId).build())
          .forEachRemaining(r -> { });
    } finally {
      ch.shutdownNow();
    }
    Path out = emptyDir("written-out");
    Path written = Files.write(out.resolve("written.bin"), bytes);
    Path downloads = Files.createDirectories(bob.home().resolve("state").resolve("downloads"));
    dev.sealdrop.client.net.StateFile.create(dev.sealdrop.client.net.StateFile.nameFor(downloads, ".properties",
        "token", token)).set("claim_id", claimId).set("grant_id", (String) grant.get("grant_id"))
        .set("owner", "alice").set("size", "0").set("opened_path", written.toString())
        .set("file_name", "written.bin").set("plain_size", Integer.toString(bytes.length))
        .set("created_at", java.time.Instant.now().toString()).set("sender", "alice")
        .set("fingerprint", (String) grant.get("fingerprint")).save();
    carol.run("admin", "files", "purge", (String) grant.get("file_id"), "--reason", "deal off").assertExit(0);

    CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    assertThat(again.err()).contains("the server had already counted this download");
    assertThat(again.json()).containsEntry("ok", true);
    assertThat(written).hasBinaryContent(bytes);
  }
}
