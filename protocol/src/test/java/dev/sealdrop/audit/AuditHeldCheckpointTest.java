package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.checkpointAt;
import static dev.sealdrop.audit.AuditFixtures.key;
import static dev.sealdrop.audit.AuditFixtures.lines;
import static dev.sealdrop.audit.AuditFixtures.recordLine;
import static dev.sealdrop.audit.AuditFixtures.writeLines;
import static dev.sealdrop.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.VerificationResult.Reason;
import dev.sealdrop.audit.VerificationResult.Warning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SECURITY.md §3.6 and issue 6: truncation and a history re-signed by the key holder are detected
 * only against a checkpoint held outside the server; without one they are not (a documented limit).
 */
class AuditHeldCheckpointTest {
  @TempDir Path dir;
  private AuditKey key;
  private Path log;
  /** What alice's CLI kept from a transfer response: the checkpoint for 20 records. */
  private SignedCheckpoint alicesCheckpoint;

  @BeforeEach
  void setUp() throws IOException {
    key = key(1);
    log = writeLog(dir, "audit.jsonl", key, 25, 10);
    alicesCheckpoint = checkpointAt(log, 20);
  }

  private AuditVerifier verifier() {
    return AuditVerifier.withKey(key.publicKey());
  }

  /** Cuts the log after record {@code keep} and its checkpoint lines, like deleting the tail. */
  private Path truncateAfter(long keep) throws IOException {
    List<String> l = lines(log);
    int cut = recordLine(l, keep + 1);
    return writeLines(dir.resolve("truncated-" + keep + ".jsonl"), l.subList(0, cut));
  }

  @Test
  void truncationIsDetectedAgainstAHeldCheckpoint() throws IOException {
    VerificationResult v = verifier().holding(List.of(alicesCheckpoint)).verify(truncateAfter(18));
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.TRUNCATED);
    assertThat(v.failure()).map(VerificationResult.Failure::sequence).contains(19L);
  }

  @Test
  void aSingleMissingOrUncoveredRecordIsNamedAsOneRecordNotAsARangeOfOne() throws IOException {
    // an auditor reads "record 20 is missing", not "records 20..20 are missing"
    VerificationResult truncated = verifier().holding(List.of(alicesCheckpoint)).verify(truncateAfter(19));
    assertThat(truncated.failure().orElseThrow().message()).contains(": record 20 is missing;").doesNotContain("20..20");
    VerificationResult strict = verifier().verify(truncateAfter(11));
    assertThat(strict.failure().orElseThrow().message()).startsWith("record 11 is not covered").doesNotContain("11..11");
    VerificationResult live = verifier().allowingUnsignedTail().verify(truncateAfter(11));
    assertThat(live.warnings()).filteredOn(w -> w.kind() == Warning.Kind.UNSIGNED_TAIL).singleElement()
        .satisfies(w -> assertThat(w.message()).startsWith("record 11 is not covered"));
    // a re-signed rewrite of the one record after the last matching held checkpoint
    List<String> l = lines(log);
    ChainHash head19 = ((AuditLogEntry.RecordLine) AuditFixtures.parse(l.get(recordLine(l, 20)))).record().previousHash();
    SignedCheckpoint held19 = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 19, head19), key);
    Path rewritten = AuditFixtures.rewriteAndResign(log, dir.resolve("rewritten-20.jsonl"), key,
        r -> Optional.of(r.sequence() != 20 ? r : new AuditRecord(20, r.timeMillis(), "mallory", r.action(), r.object(),
            r.result(), r.peer(), r.details(), r.previousHash())));
    VerificationResult v = verifier().holding(List.of(held19, alicesCheckpoint)).verify(rewritten);
    assertThat(v.failure().orElseThrow().message()).contains("record 20 was rewritten").doesNotContain("20..20");
  }

  @Test
  void limitationTruncationAtACheckpointBoundaryIsNotDetectedWithoutAHeldCheckpoint() throws IOException {
    // Documented limit (docs/audit-log.md "Limits"): a hash chain cannot reveal a removed tail.
    VerificationResult v = verifier().verify(truncateAfter(10));
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(10);
    assertThat(v.hasWarning(Warning.Kind.NO_EXTERNAL_CHECKPOINT)).isTrue();
    assertThat(v.hasWarning(Warning.Kind.UNSIGNED_TAIL)).isFalse();
  }

  @Test
  void truncationInsideASignedStretchLeavesUnsignedRecordsWhichFailStrictVerification() throws IOException {
    Path cut = truncateAfter(14); // checkpoints at 10 and 20: records 11..14 are now covered by none
    VerificationResult strict = verifier().verify(cut);
    assertThat(strict.failure()).map(VerificationResult.Failure::reason).contains(Reason.UNSIGNED_RECORDS);
    assertThat(strict.failure()).map(VerificationResult.Failure::sequence).contains(11L);
    VerificationResult live = verifier().allowingUnsignedTail().verify(cut);
    assertThat(live.valid()).isTrue();
    assertThat(live.hasWarning(Warning.Kind.UNSIGNED_TAIL)).isTrue();
  }

  @Test
  void strippingEveryCheckpointAndRewritingTheChainFailsStrictVerification() throws IOException {
    // Without the key, a forger can only produce an unsigned chain.
    Path forged = AuditFixtures.rewriteAndResign(log, dir.resolve("forged.jsonl"), key(7),
        r -> Optional.of(r.sequence() != 2 ? r : new AuditRecord(2, r.timeMillis(), "mallory", r.action(),
            r.object(), r.result(), r.peer(), r.details(), r.previousHash())));
    List<String> l = lines(forged);
    l.removeIf(s -> s.startsWith("{\"type\":\"checkpoint\""));
    VerificationResult v = verifier().verify(writeLines(forged, l));
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.UNSIGNED_RECORDS);
    assertThat(v.failure()).map(VerificationResult.Failure::sequence).contains(1L);
  }

  @Test
  void aDishonestOperatorTruncatesAndReSignsThePlainVerifyPassesButTheHeldCheckpointCatchesIt() throws IOException {
    // The operator cuts the tail after record 18 and lets the writer (holding the real key) sign the new end.
    Path cut = truncateAfter(18);
    Path resigned = dir.resolve("resigned.jsonl");
    Files.copy(cut, resigned);
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(resigned, 10), key)) {
      // the writer names what it signs after the fact (records 11..18) in record 19, then signs 19
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(11, 18));
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(19L);
    }
    List<String> l = lines(resigned);
    AuditRecord marker = ((AuditLogEntry.RecordLine) AuditFixtures.parse(l.get(recordLine(l, 19)))).record();
    assertThat(marker.action()).isEqualTo(AuditLogWriter.UNSIGNED_TAIL_ACTION);
    VerificationResult plain = verifier().verify(resigned);
    assertThat(plain.valid()).isTrue();
    assertThat(plain.lastCheckpoint()).map(c -> c.checkpoint().size()).contains(19L);

    // (the key holder could as well sign the cut end directly, with no such record: only the held checkpoint tells)
    VerificationResult held = verifier().holding(List.of(alicesCheckpoint)).verify(resigned);
    assertThat(held.failure()).map(VerificationResult.Failure::reason).contains(Reason.TRUNCATED);
    assertThat(held.failure()).map(VerificationResult.Failure::sequence).contains(20L);
  }

  @Test
  void aDishonestOperatorRewritesARecordAndReSignsTheHeldCheckpointCatchesIt() throws IOException {
    Path rewritten = AuditFixtures.rewriteAndResign(log, dir.resolve("rewritten.jsonl"), key,
        r -> Optional.of(r.sequence() != 13 ? r : new AuditRecord(13, r.timeMillis(), "dave", r.action(), r.object(),
            r.result(), r.peer(), r.details(), r.previousHash())));
    assertThat(verifier().verify(rewritten).valid()).as("re-signed history verifies on its own").isTrue();

    SignedCheckpoint early = checkpointAt(log, 10);
    VerificationResult v = verifier().holding(List.of(early, alicesCheckpoint)).verify(rewritten);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.REWRITTEN);
    assertThat(v.failure()).map(VerificationResult.Failure::sequence).contains(20L);
    assertThat(v.failure().orElseThrow().message()).contains("11..20").contains("and re-signed: the file's own"
        + " checkpoint for 20 records, signed by the audit key, matches them");
    assertThat(v.heldCheckpointsVerified()).isEqualTo(1);
  }

  /**
   * Review BF: a record edited by someone without the key (its hash and those after it computed again, the signed
   * checkpoints left as they were) disagrees with a held checkpoint before the file's own next checkpoint is read; it
   * was told "rewritten and re-signed", blaming the audit key's holder.
   */
  @Test
  void aRecordEditedWithoutTheKeyIsNotSaidToBeReSigned() throws IOException {
    Path edited = editedWithoutTheKey();
    VerificationResult v = verifier().holding(List.of(alicesCheckpoint)).verify(edited);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.REWRITTEN);
    assertThat(v.failure().orElseThrow().message()).contains("without the audit key (edited, which needs no key)")
        .doesNotContain("re-signed:");

    // review RP: a line that is no JSON after them changes neither the reason nor the record told
    List<String> l = lines(edited);
    l.add(recordLine(l, 20) + 1, "this is not json");
    VerificationResult broken = verifier().holding(List.of(alicesCheckpoint))
        .verify(writeLines(dir.resolve("edited-and-broken.jsonl"), l));
    assertThat(broken.failure()).map(VerificationResult.Failure::reason).contains(Reason.REWRITTEN);
    assertThat(broken.failure()).map(VerificationResult.Failure::sequence).contains(20L);
  }

  /**
   * Review RP: a history re-signed by the key holder, checked against a folder that also holds another server's
   * checkpoint under the same origin, was said to be edited without the key (the foreign note taken for the file
   * breaking), clearing the key holder.
   */
  @Test
  void aReSignedHistoryIsSaidToBeReSignedWhateverElseTheFolderHolds() throws IOException {
    Path rewritten = AuditFixtures.rewriteAndResign(log, dir.resolve("resigned15.jsonl"), key,
        r -> Optional.of(r.sequence() != 15 ? r : new AuditRecord(15, r.timeMillis(), "dave", r.action(), r.object(),
            r.result(), r.peer(), r.details(), r.previousHash())));
    Path other = writeLog(dir, "other-server.jsonl", key(2), 25, 11);
    // a party's note at 21, between the file's own checkpoints, so that the foreign one at 22 is met before the file's
    // own checkpoint at 25 says how the file came to disagree
    List<String> l = lines(log);
    ChainHash at21 = ((AuditLogEntry.RecordLine) AuditFixtures.parse(l.get(recordLine(l, 21)))).hash();
    SignedCheckpoint held21 = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 21, at21), key);
    VerificationResult v = verifier().holding(List.of(held21, checkpointAt(other, 22))).verify(rewritten);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.REWRITTEN);
    assertThat(v.failure().orElseThrow().message()).contains("and re-signed: the file's own checkpoint");
  }

  /** The log with record 13's actor changed, every hash after it computed again, its signed checkpoints as they were. */
  private Path editedWithoutTheKey() throws IOException {
    List<String> src = lines(log);
    List<String> dst = new ArrayList<>(List.of(src.get(0)));
    ChainHash head = dev.sealdrop.audit.internal.RecordEncoding.genesis(AuditFixtures.ORIGIN);
    for (String l : src.subList(1, src.size())) {
      if (AuditFixtures.parse(l) instanceof AuditLogEntry.RecordLine line) {
        AuditRecord r = line.record();
        AuditRecord n = new AuditRecord(r.sequence(), r.timeMillis(), r.sequence() == 13 ? "mallory" : r.actor(),
            r.action(), r.object(), r.result(), r.peer(), r.details(), head);
        head = n.hash();
        dst.add(AuditFixtures.line(dev.sealdrop.audit.internal.JsonLines.record(n, head)));
      } else {
        dst.add(l); // the signed checkpoints as they were: no key to sign new ones
      }
    }
    return writeLines(dir.resolve("edited.jsonl"), dst);
  }

  @Test
  void aDishonestOperatorDeletesARecordAndReSignsTheHeldCheckpointCatchesIt() throws IOException {
    Path rewritten = AuditFixtures.rewriteAndResign(log, dir.resolve("deleted.jsonl"), key,
        r -> r.sequence() == 3 ? Optional.empty() : Optional.of(r));
    assertThat(verifier().verify(rewritten).valid()).isTrue();
    VerificationResult v = verifier().holding(List.of(alicesCheckpoint)).verify(rewritten);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.REWRITTEN);
  }

  @Test
  void anOperatorWhoReKeysIsCaughtByTheHeldCheckpointEvenWithOnlyTheEmbeddedKey() throws IOException {
    AuditKey newKey = key(9);
    Path rekeyed = AuditFixtures.rewriteAndResign(log, dir.resolve("rekeyed.jsonl"), newKey, Optional::of);
    List<String> l = lines(rekeyed);
    l.set(0, AuditFixtures.line(dev.sealdrop.audit.internal.JsonLines.header(AuditFixtures.ORIGIN, newKey.publicKey())));
    writeLines(rekeyed, l);
    assertThat(AuditVerifier.withEmbeddedKey().verify(rekeyed).valid()).isTrue();
    VerificationResult v = AuditVerifier.withEmbeddedKey().holding(List.of(alicesCheckpoint)).verify(rekeyed);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.UNTRUSTED_CHECKPOINT_KEY);
  }

  @Test
  void aHeldCheckpointWithAForgedSignatureIsRejected() throws IOException {
    String note = alicesCheckpoint.note();
    int at = note.lastIndexOf(' ') + 20;
    char c = note.charAt(at);
    SignedCheckpoint forged = SignedCheckpoint.parse(note.substring(0, at) + (c == 'A' ? 'B' : 'A') + note.substring(at + 1));
    VerificationResult v = verifier().holding(List.of(forged)).verify(log);
    assertThat(v.failure()).map(VerificationResult.Failure::reason).contains(Reason.BAD_CHECKPOINT_SIGNATURE);
  }

  @Test
  void aMatchingHeldCheckpointIsCountedAndRemovesTheWarning() throws IOException {
    VerificationResult v = verifier().holding(List.of(alicesCheckpoint, checkpointAt(log, 25))).verify(log);
    assertThat(v.valid()).isTrue();
    assertThat(v.heldCheckpointsVerified()).isEqualTo(2);
    assertThat(v.status()).isEqualTo(VerificationResult.Status.VALID);
  }

  @Test
  void aHeldCheckpointOfAnotherLogIsIgnoredWithAWarning() throws IOException {
    Path otherDir = Files.createDirectory(dir.resolve("other"));
    AuditKey otherKey = AuditKey.testOnlyFromSeed("sealdrop.test/audit/other", new byte[32]);
    Path other = otherDir.resolve("a.jsonl");
    for (int i = 1; i <= 3; i++) { // a checkpoint at each close: sizes 1, 2 and 3
      try (AuditLogWriter w = AuditLogWriter.open(new AuditLogConfig(other, "sealdrop.test/audit/other",
          Durability.GROUP_COMMIT, 10, java.time.Duration.ZERO, java.time.Clock.systemUTC()), otherKey)) {
        w.append(AuditFixtures.event(i));
      }
    }
    SignedCheckpoint foreign = checkpointAt(other, 1);
    VerificationResult v = verifier().holding(List.of(foreign)).verify(log);
    assertThat(v.valid()).isTrue();
    assertThat(v.hasWarning(Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN)).isTrue();
    assertThat(v.hasWarning(Warning.Kind.NO_EXTERNAL_CHECKPOINT)).isTrue();
    // checkpoints were given: the warning must not say that none was
    assertThat(v.warnings()).filteredOn(w -> w.kind() == Warning.Kind.NO_EXTERNAL_CHECKPOINT).singleElement()
        .satisfies(w -> assertThat(w.message()).contains("none of the 1 checkpoint(s) given is of this log")
            .doesNotContain("was given"));
    // several of that other log's checkpoints: one warning that counts them (an outside test saw 20 identical lines)
    VerificationResult three = verifier().holding(List.of(foreign, checkpointAt(other, 2), checkpointAt(other, 3)))
        .verify(log);
    assertThat(three.warnings()).filteredOn(w -> w.kind() == Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN).singleElement()
        .satisfies(w -> assertThat(w.message()).contains("3 held checkpoints for origin 'sealdrop.test/audit/other'"
            + " were ignored"));
  }
}
