package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.testing.CuttingProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A receive cut off mid-download resumes under its claim after the profile's server address changed (here: it went
 * through a proxy, then straight to the server): its state was named by the address and the token, so the re-run found
 * nothing, redeemed again and was refused GRANT_CLAIMED until its own claim lapsed, an hour (outside test, after a
 * development server restarted on another port).
 */
class ReceiveAfterAddressChangeTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void aReceiveCutOffResumesUnderItsClaimAfterTheServerAddressOfTheProfileChanged() throws Exception {
    byte[] bytes = new byte[4 << 20];
    new Random(34).nextBytes(bytes);
    Path file = Files.write(root.resolve("moved.bin"), bytes);
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path out = emptyDir("moved-out");
    try (CuttingProxy proxy = new CuttingProxy(server.port())) {
      Users.retarget(bob, proxy.address());
      proxy.cutDownstreamAfter.set(2_000_000);
      bob.run("receive", token, "-o", out.toString()).assertExit(8);
    } finally {
      Users.retarget(bob, address);
    }

    CliRun again = bob.run("receive", token, "-o", out.toString()).assertExit(0);

    assertThat(again.err()).contains("resuming the interrupted download");
    assertThat(Files.mismatch(out.resolve("moved.bin"), file)).isEqualTo(-1L);
  }
}
