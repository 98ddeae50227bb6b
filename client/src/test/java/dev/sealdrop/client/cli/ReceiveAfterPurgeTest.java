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
    byte[] bytes = new byte[4 << 20];
    new Random(35).nextBytes(bytes);
    Path file = Files.write(root.resolve("purged.bin"), bytes);
    var sent = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json();
    String token = (String) sent.get("token");
    String fileId = (String) ((java.util.Map<?, ?>) sent.get("grant")).get("file_id");
    Path out = emptyDir("purged-out");
    try (CuttingProxy proxy = new CuttingProxy(server.port())) {
      Users.retarget(bob, proxy.address());
      proxy.cutDownstreamAfter.set(2_000_000);
      bob.run("receive", token, "-o", out.toString()).assertExit(8);
    } finally {
      Users.retarget(bob, address);
    }
    carol.run("admin", "files", "purge", fileId, "--reason", "deal off").assertExit(0);

    CliRun again = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(4);

    assertThat(again.jsonError()).containsEntry("reason", "FILE_PURGED");
    assertThat(again.err()).contains("the earlier claim is no longer on the server; redeeming the grant again")
        .doesNotContain("check the token");
  }
}
