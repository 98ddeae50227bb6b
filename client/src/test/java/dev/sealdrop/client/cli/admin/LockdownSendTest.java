package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.CliRun;
import dev.sealdrop.client.cli.DevServerPerClass;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code send} cut by a lockdown, against the real server: alice is told the server is locked down
 * (reason {@code LOCKED_DOWN}), not that her upload was "interrupted", both when the lockdown cuts
 * the upload in flight and when she re-runs the send while it lasts; once it is lifted, the re-run
 * resumes.
 */
class LockdownSendTest extends DevServerPerClass {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @BeforeAll
  static void start() throws Exception {
    startServer();
    Profiles.init(root, server, true, "alice", "bob", "carol");
    as("alice", "keys", "publish").assertExit(0);
    as("bob", "keys", "publish").assertExit(0);
  }

  static CliRun as(String user, String... args) {
    return Profiles.as(root, user, args);
  }

  @Test
  void aSendCutByTheLockdownAndOneResumedDuringItSayLockedDownThenResumeWhenLifted() throws Exception {
    Path file = root.resolve("data-room.bin");
    Random random = new Random(6);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < 256; i++) { // large enough that the upload is still running when the lockdown comes
        random.nextBytes(block);
        out.write(block);
      }
    }
    String[] send = {"send", file.toString(), "--to", "bob", "--json"};
    CompletableFuture<CliRun> first = CompletableFuture.supplyAsync(() -> as("alice", send), threads);
    waitForUploadStart();
    as("carol", "admin", "lockdown", "on", "--reason", "suspected leak").assertExit(0);
    try {
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

  /** Until the server has audited alice's upload.start: her upload stream is then about to run. */
  private static void waitForUploadStart() throws IOException, InterruptedException {
    Path log = root.resolve("data").resolve("audit").resolve("audit.jsonl");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (!(Files.exists(log) && Files.readString(log).contains("\"action\":\"upload.start\""))) {
      assertThat(System.nanoTime()).as("alice's upload never started").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
