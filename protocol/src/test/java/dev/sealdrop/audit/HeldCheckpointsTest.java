package dev.sealdrop.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeldCheckpointsTest {
  @TempDir Path dir;

  @Test
  void aPartyKeepsCheckpointsAndLaterProvesTheExportAgainstThem() throws IOException {
    AuditKey key = AuditFixtures.key(1);
    Path log = dir.resolve("audit.jsonl");
    Path alice = Files.createDirectory(dir.resolve("alice-checkpoints"));
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(log, 1000), key)) {
      for (int i = 1; i <= 9; i++) {
        w.append(AuditFixtures.event(i));
        if (i % 3 == 0) {
          HeldCheckpoints.save(alice, w.checkpoint()); // what a transfer response would carry
          HeldCheckpoints.save(alice, w.checkpoint()); // the same one again: stored once
        }
      }
    }
    List<SignedCheckpoint> held = HeldCheckpoints.load(alice);
    assertThat(held).extracting(c -> c.checkpoint().size()).containsExactlyInAnyOrder(3L, 6L, 9L);
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).holding(held).verify(log);
    assertThat(v.status()).isEqualTo(VerificationResult.Status.VALID);
    assertThat(v.heldCheckpointsVerified()).isEqualTo(3);

    List<String> l = AuditFixtures.lines(log);
    Path cut = AuditFixtures.writeLines(dir.resolve("cut.jsonl"), l.subList(0, AuditFixtures.recordLine(l, 8)));
    VerificationResult truncated = AuditVerifier.withKey(key.publicKey()).holding(held).verify(cut);
    assertThat(truncated.failure()).map(VerificationResult.Failure::reason).contains(VerificationResult.Reason.TRUNCATED);
  }

  @Test
  void anUnreadableHeldCheckpointIsAnErrorNotSkipped() throws IOException {
    Files.writeString(dir.resolve("bad.note"), "not a note\n");
    assertThatThrownBy(() -> HeldCheckpoints.load(dir)).isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("bad.note");
  }

  /**
   * The folder comes from a party the auditor does not control (round BG): a pipe named like a note blocked the read for
   * ever, a link to /dev/zero read until memory ran out. Each is refused at once, naming it; so is a note over the size
   * limit, even one whose size the file system does not tell (a device reports 0).
   */
  @Test
  void aPipeOrADeviceNamedLikeANoteIsRefusedAtOnceNotReadForEver() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/zero")), "no /dev/zero here");
    Path zero = Files.createSymbolicLink(dir.resolve("zero.note"), Path.of("/dev/zero"));
    assertThatThrownBy(() -> HeldCheckpoints.load(dir)).isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("zero.note").hasMessageContaining("not a regular file");
    Files.delete(zero);

    Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("pipe.note").toString()).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor() == 0, "no mkfifo here");
    // the load on its own thread, not CompletableFuture's default pool: that may have a single worker (JDK 25 on
    // one or two CPUs, JDK-8319447), where a task that blocks holds up every one queued behind it (as in
    // LockdownSwitchTest)
    java.util.concurrent.ExecutorService loader = java.util.concurrent.Executors.newSingleThreadExecutor();
    java.util.concurrent.CompletableFuture<Throwable> load = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        HeldCheckpoints.load(dir);
        return null;
      } catch (Exception e) {
        return e;
      }
    }, loader);
    try {
      assertThat(load.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("refused, not blocked on the pipe")
          .isInstanceOf(AuditFormatException.class).hasMessageContaining("pipe.note");
    } finally {
      loader.shutdownNow();
      // a read blocked on the pipe (the bug) is released by opening its other end
      if (!load.isDone()) {
        try (java.io.OutputStream release = Files.newOutputStream(dir.resolve("pipe.note"))) {
          release.flush();
        }
      }
    }
  }
}
