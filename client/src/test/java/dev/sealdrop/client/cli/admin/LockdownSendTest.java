package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sealdrop.client.cli.CliRun;
import dev.sealdrop.client.cli.DevServerPerClass;
import dev.sealdrop.client.testing.CuttingProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code send} cut by a lockdown, against the real server: alice is told the server is locked down
 * (reason {@code LOCKED_DOWN}), not that her upload was "interrupted", both when the lockdown cuts
 * the upload in flight and when she re-runs the send while it lasts; once it is lifted, the re-run
 * resumes. Alice's connection goes through a proxy that holds her upload until the lockdown is on.
 */
class LockdownSendTest extends DevServerPerClass {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();
  /** Between alice and the server: holds her upload part-way until the lockdown is on. */
  private static CuttingProxy proxy;

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @BeforeAll
  static void start() throws Exception {
    startServer();
    Profiles.init(root, server, true, "alice", "bob", "carol");
    proxy = new CuttingProxy(server.port());
    Path config = root.resolve("home-alice").resolve("profile.properties");
    Files.writeString(config, Files.readString(config).replaceAll("(?m)^server=.*$",
        "server=" + proxy.address().replace(":", "\\:")));
    as("alice", "keys", "publish").assertExit(0);
    as("bob", "keys", "publish").assertExit(0);
  }

  @AfterAll
  static void stopProxy() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
  }

  static CliRun as(String user, String... args) {
    return Profiles.as(root, user, args);
  }

  @Test
  void aSendCutByTheLockdownAndOneResumedDuringItSayLockedDownThenResumeWhenLifted() throws Exception {
    // within the client's resume tail (32 MiB), so the cut upload resumes from what it sent, wherever it stopped
    byte[] content = new byte[16 << 20];
    new Random(6).nextBytes(content);
    Path file = Files.write(root.resolve("data-room.bin"), content);
    String[] send = {"send", file.toString(), "--to", "bob", "--json"};
    // held there until the lockdown is on: before, a 256 MiB upload had to outlast carol's whole admin run, which
    // a busy machine did not always let it (the send finished, exit 0)
    proxy.stallUpstreamAfter.set(4 << 20);
    CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(() -> as("alice", send), threads);
    awaitStalled(first);
    as("carol", "admin", "lockdown", "on", "--reason", "suspected leak").assertExit(0);
    try {
      // the lockdown cut the held upload on the server (not only the commit it would refuse once let go: review ES)
      Path audit = root.resolve("data").resolve("audit").resolve("audit.jsonl");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (Files.readString(audit).lines().noneMatch(l -> l.contains("\"actor\":\"alice\"")
          && l.contains("\"action\":\"upload.abort\"") && l.contains("\"result\":\"locked-down\""))) {
        assertThat(System.nanoTime()).as("alice's held upload was cut by the lockdown").isLessThan(deadline);
        Thread.sleep(20);
      }
      proxy.resumeStalled.countDown();
      CliRun cut = first.get(2, TimeUnit.MINUTES).assertExit(8);
      assertThat(cut.object("error")).as(cut.err()).containsEntry("reason", "LOCKED_DOWN");
      assertThat(cut.err()).contains("sealdrop: error: the server is locked down by an admin")
          .doesNotContain("Status{");

      CliRun resumed = as("alice", send).assertExit(8);
      assertThat(resumed.object("error")).as(resumed.err()).containsEntry("reason", "LOCKED_DOWN");
      assertThat(resumed.err()).contains("resuming the interrupted upload")
          .contains("sealdrop: error: the server is locked down by an admin").doesNotContain("Status{");
    } finally {
      as("carol", "admin", "lockdown", "off", "--reason", "all clear").assertExit(0);
    }
    CliRun done = as("alice", send).assertExit(0);
    assertThat(done.err()).contains("resuming the interrupted upload");
  }

  /** Until the proxy holds alice's upload part-way (her send failing first ends the wait with its output). */
  private static void awaitStalled(CompletableFuture<CliRun> sending) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!proxy.stalled.await(50, TimeUnit.MILLISECONDS)) {
      if (sending.isDone()) {
        CliRun ended = sending.get();
        fail("alice's send ended (exit %d) before its upload was held: %s", ended.exit(), ended.err());
      }
      assertThat(System.nanoTime()).as("alice's upload never reached the proxy's hold").isLessThan(deadline);
    }
  }
}
