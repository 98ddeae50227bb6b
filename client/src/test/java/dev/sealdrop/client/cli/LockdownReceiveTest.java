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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code receive} cut by a lockdown, against the real server: bob is told the server is locked down
 * (reason {@code LOCKED_DOWN}), not that his download was "interrupted", both when the lockdown cuts
 * the download in flight and when he re-runs the receive while it lasts; once it is lifted, the
 * re-run resumes and the file arrives intact. Bob's connection goes through a proxy that holds his
 * download half-way until the lockdown is on.
 */
class LockdownReceiveTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @TempDir
  Path root;

  @Test
  void aReceiveCutByTheLockdownAndOneResumedDuringItSayLockedDownThenResumeWhenLifted() throws Exception {
    Path certs = root.resolve("certs");
    try (SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
        CuttingProxy proxy = new CuttingProxy(server.port())) {
      DevPki pki = DevPki.loadOrCreate(certs);
      Cli alice = Users.initAndPublish(pki, root, "alice", "127.0.0.1:" + server.port());
      Cli bob = Users.initAndPublish(pki, root, "bob", proxy.address());
      Cli carol = Users.initWithAdmin(pki, root, "carol", server);
      // far more than the server can send ahead of the stalled proxy: bob's 4 MiB flow-control window
      // beyond the 2 MiB he read (with 6 MiB, the server sometimes finished the download before the lockdown)
      byte[] content = new byte[24 << 20];
      new Random(7).nextBytes(content);
      Path file = Files.write(root.resolve("customers.bin"), content);
      String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
          .get("token");
      Path out = Files.createDirectories(root.resolve("out"));

      proxy.stallDownstreamAfter.set(2 << 20); // well into the download of the 24 MiB envelope
      CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(
          () -> bob.run("--json", "receive", token, "-o", out.toString()), threads);
      assertThat(proxy.stalled.await(120, TimeUnit.SECONDS)).as("bob's receive is downloading").isTrue();
      carol.run("admin", "lockdown", "on", "--reason", "suspected leak").assertExit(0);
      try {
        proxy.resumeStalled.countDown();
        CliRun cut = first.get(2, TimeUnit.MINUTES).assertExit(8);
        assertThat(cut.jsonError()).as(cut.err()).containsEntry("reason", "LOCKED_DOWN");
        assertThat(cut.err()).contains("sealdrop: error: the server is locked down by an admin")
            .contains("bytes received so far").contains("re-run the same command").doesNotContain("interrupted after")
            .doesNotContain("Status{");

        CliRun resumed = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(8);
        assertThat(resumed.jsonError()).as(resumed.err()).containsEntry("reason", "LOCKED_DOWN");
        assertThat(resumed.err()).contains("sealdrop: error: the server is locked down by an admin")
            .doesNotContain("interrupted after").doesNotContain("Status{");
      } finally {
        carol.run("admin", "lockdown", "off").assertExit(0);
      }
      CliRun done = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
      assertThat(done.err()).contains("resuming the interrupted download");
      assertThat(out.resolve("customers.bin")).hasBinaryContent(content);
    }
  }
}
