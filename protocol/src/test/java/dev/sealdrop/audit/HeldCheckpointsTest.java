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
}
