package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.config;
import static dev.sealdrop.audit.AuditFixtures.event;
import static dev.sealdrop.audit.AuditFixtures.key;
import static dev.sealdrop.audit.AuditFixtures.lines;
import static dev.sealdrop.audit.AuditFixtures.writeLines;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.audit.AuditLogEntry.CheckpointLine;
import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import dev.sealdrop.audit.VerificationResult.Reason;
import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.RecordEncoding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On open, the writer signs what a previous writer left unsigned (a crash leaves records after the last
 * checkpoint). It must never do so silently, and, given its user's lifecycle, never for a tail no crash
 * leaves: someone who can write the file but has no key could otherwise append (after a clean stop) or
 * rewrite (after stripping checkpoints) well-formed, correctly chained records and have the next start
 * sign them (docs/audit-log.md, "Resuming a log").
 */
class AuditUnsignedTailTest {
  private static final AuditLogWriter.Lifecycle LIFECYCLE = new AuditLogWriter.Lifecycle("server.start", "server.stop");
  private static final AuditEvent START = AuditEvent.of("server", "server.start", "", "ok", "");
  private static final AuditEvent STOP = AuditEvent.of("server", "server.stop", "", "ok", "");

  @TempDir Path dir;
  private final AuditKey key = key(1);

  private Path log() {
    return dir.resolve("audit.jsonl");
  }

  private AuditLogWriter open(Path f) throws IOException {
    return AuditLogWriter.open(config(f, 1000), key, LIFECYCLE);
  }

  /** One server run, as SealdropServer does it: start (signed at once), {@code n} records, stop, close. */
  private void cleanRun(Path f, int n) throws IOException {
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint();
      for (int i = 1; i <= n; i++) {
        w.append(event(i));
      }
      w.append(STOP);
    }
  }

  /**
   * A record forged by someone without the key: well-formed and correctly chained as docs/audit-log.md
   * specifies (h_i = SHA-256(label || h_{i-1} || encoding(record_i))), after the last record of the file.
   */
  private static void appendForged(Path f, String actor, String action) throws IOException {
    AuditRecord last = null;
    for (String l : lines(f)) {
      if (AuditFixtures.parse(l) instanceof RecordLine r) {
        last = r.record();
      }
    }
    long seq = last == null ? 1 : last.sequence() + 1;
    ChainHash prev = last == null ? RecordEncoding.genesis(AuditFixtures.ORIGIN) : last.hash();
    AuditRecord forged = new AuditRecord(seq, AuditFixtures.T0.toEpochMilli() + 60_000, actor, action,
        "grant:g_forged", "ok", "127.0.0.1:50000", new java.util.TreeMap<>(Map.of("door", "grpc")), prev);
    ChainHash hash = RecordEncoding.chainHash(prev, RecordEncoding.encode(forged));
    Files.write(f, JsonLines.record(forged, hash), StandardOpenOption.APPEND);
  }

  /** Removes the last {@code n} checkpoint lines, as someone stripping signatures would. */
  private static void stripLastCheckpoints(Path f, int n) throws IOException {
    List<String> l = lines(f);
    for (int i = l.size() - 1; i >= 0 && n > 0; i--) {
      if (AuditFixtures.parse(l.get(i)) instanceof CheckpointLine) {
        l.remove(i);
        n--;
      }
    }
    writeLines(f, l);
  }

  private VerificationResult strict(Path f) throws IOException {
    return AuditVerifier.withKey(key.publicKey()).verify(f);
  }

  private VerificationResult lenient(Path f) throws IOException {
    return AuditVerifier.withKey(key.publicKey()).allowingUnsignedTail().verify(f);
  }

  private static List<AuditRecord> records(Path f) throws IOException {
    List<AuditRecord> out = new ArrayList<>();
    for (String l : lines(f)) {
      if (AuditFixtures.parse(l) instanceof RecordLine r) {
        out.add(r.record());
      }
    }
    return out;
  }

  private static AuditRecord record(Path f, long seq) throws IOException {
    return records(f).get((int) seq - 1);
  }

  private static long lastCheckpointSize(Path f) throws IOException {
    long size = -1;
    for (String l : lines(f)) {
      if (AuditFixtures.parse(l) instanceof CheckpointLine c) {
        size = c.checkpoint().checkpoint().size();
      }
    }
    return size;
  }

  /**
   * Review RK: a start after a clean stop found a torn line (the start before it was killed while writing its start),
   * and was itself cut while it wrote its recovery record and checkpoint in one write: the record was kept, the
   * checkpoint torn. R1 refused the next start as tampered with. Such a tail is what the writer leaves; it is signed.
   */
  @Test
  void aRecoveryRecordWhoseCheckpointACrashCutAfterACleanStopIsSignedAtTheNextOpen() throws IOException {
    Path f = log();
    cleanRun(f, 2); // records 1 (start) .. 4 (stop), signed at close
    Files.write(f, "{\"seq\":5,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND); // a start cut
    try (AuditLogWriter w = open(f)) {
      assertThat(w.tornTailBytes()).isPositive();
    } // its torn-tail record and checkpoint, then a stop by close: now cut back to the record alone, half a checkpoint
    List<String> l = lines(f);
    int recovery = tornTailRecordLine(l);
    List<String> cut = new ArrayList<>(l.subList(0, recovery + 1));
    writeLines(f, cut);
    String checkpoint = l.get(recovery + 1);
    Files.write(f, checkpoint.substring(0, checkpoint.length() / 2).getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);

    open(f).close();
    assertThat(strict(f).valid()).as("every record signed").isTrue();
    assertThat(records(f)).extracting(AuditRecord::action).contains(AuditLogWriter.UNSIGNED_TAIL_ACTION);
  }

  /**
   * Review RN: the same, and the next resume cut too: it adopted the torn-tail record (the tail [torn-tail]) in one
   * write with its checkpoint, and a crash kept the adoption, whose tail ends with the record just before it although
   * that record is a torn-tail record. Refused as tampered with before (an adoption after a torn-tail record was taken
   * to be written with it, naming the tail before both).
   */
  @Test
  void anAdoptionOfARecoveryRecordWhoseCheckpointACrashCutTooIsSignedAtTheNextOpen() throws IOException {
    Path f = log();
    cleanRun(f, 2); // 1 .. 4 (stop), signed
    Files.write(f, "{\"seq\":5,\"ti".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND); // a start cut
    open(f).close();
    List<String> l = lines(f);
    int recovery = tornTailRecordLine(l);
    writeLines(f, new ArrayList<>(l.subList(0, recovery + 1))); // its checkpoint line lost whole
    byte[] adopted;
    try (AuditLogWriter w = open(f)) {
      assertThat(w.adoptedTail()).isPresent();
      adopted = whileOpen(f); // the adoption of [torn-tail], and its checkpoint
    }
    cutTheResumesCheckpoint(f, adopted);

    open(f).close();
    assertThat(strict(f).valid()).as("every record signed").isTrue();
  }

  /** The index of the last torn-tail record's line in {@code l} (there is one). */
  private static int tornTailRecordLine(List<String> l) throws IOException {
    int recovery = -1;
    for (int i = 0; i < l.size(); i++) {
      if (AuditFixtures.parse(l.get(i)) instanceof RecordLine r && r.record().action().equals(
          AuditLogWriter.TORN_TAIL_ACTION)) {
        recovery = i;
      }
    }
    assertThat(recovery).as("a torn-tail record").isPositive();
    return recovery;
  }

  /** The file as it is while {@code w} is open, before what its close writes. */
  private static byte[] whileOpen(Path f) throws IOException {
    return Files.readAllBytes(f);
  }

  /** Keeps the records a resume wrote and half its checkpoint: what a write cut by a crash leaves. */
  private static void cutTheResumesCheckpoint(Path f, byte[] afterResume) throws IOException {
    String text = new String(afterResume, StandardCharsets.UTF_8);
    int lastLine = text.lastIndexOf('\n', text.length() - 2) + 1;
    assertThat(AuditFixtures.parse(text.substring(lastLine, text.length() - 1))).isInstanceOf(CheckpointLine.class);
    Files.write(f, text.substring(0, lastLine + (text.length() - lastLine) / 2).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Review RL: the likelier crash: a start recorded after a clean stop, then a crash before its checkpoint; the next
   * open signs it with its record of adoption, in one write a crash cuts after the record. The tail is [start,
   * adoption]; refused as tampered with before.
   */
  @Test
  void aStartThenAnAdoptionWhoseCheckpointACrashCutAfterACleanStopIsSignedAtTheNextOpen() throws IOException {
    Path f = log();
    cleanRun(f, 2); // 1 .. 4 (stop), signed
    byte[] unsignedStart;
    try (AuditLogWriter w = open(f)) {
      w.append(START); // 5, durable, not signed yet: the crash is here
      unsignedStart = whileOpen(f);
    }
    Files.write(f, unsignedStart);
    byte[] adopted;
    try (AuditLogWriter w = open(f)) {
      assertThat(w.adoptedTail()).isPresent();
      adopted = whileOpen(f); // 6: audit.unsigned-tail-signed, and its checkpoint
    }
    cutTheResumesCheckpoint(f, adopted);

    open(f).close();
    assertThat(strict(f).valid()).as("every record signed").isTrue();
  }

  /** Review RL: the same after a stop whose checkpoint a crash in the close cut (R2: the stop is the core's last). */
  @Test
  void aStopThenAnAdoptionWhoseCheckpointACrashCutIsSignedAtTheNextOpen() throws IOException {
    Path f = log();
    byte[] unsignedStop;
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint();
      w.append(event(1));
      w.append(STOP);
      unsignedStop = whileOpen(f);
    }
    Files.write(f, unsignedStop);
    byte[] adopted;
    try (AuditLogWriter w = open(f)) {
      adopted = whileOpen(f);
    }
    cutTheResumesCheckpoint(f, adopted);

    open(f).close();
    assertThat(strict(f).valid()).isTrue();
  }

  /** A record of adoption that does not name the tail before it is no record a resume writes: refused. */
  @Test
  void aForgedRecordOfAdoptionAfterACleanStopIsRefused() throws IOException {
    Path f = log();
    cleanRun(f, 2);
    appendForged(f, "server", AuditLogWriter.UNSIGNED_TAIL_ACTION);
    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("follows the signed record 4 (server.stop: a clean shutdown)");
  }

  /** After a clean stop, a forged record before a recovery record (forged too: its object is not the log) is refused. */
  @Test
  void aForgedRecordAfterARecoveryRecordAfterACleanStopIsRefused() throws IOException {
    Path f = log();
    cleanRun(f, 2);
    appendForged(f, "alice", "grant.redeem");
    appendForged(f, "server", AuditLogWriter.TORN_TAIL_ACTION);
    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("follow the signed record 4 (server.stop: a clean shutdown)");
  }

  // --- refused: tails no crash of the server leaves ---

  @Test
  void aCorrectlyChainedRecordAppendedAfterACleanStopIsRefusedAndTheFileLeftAsItWas() throws IOException {
    Path f = log();
    cleanRun(f, 4); // records 1 (start) .. 6 (stop), signed at close
    appendForged(f, "alice", "grant.redeem"); // record 7
    assertThat(lenient(f).valid()).as("well-formed and chained: only its missing signature tells").isTrue();
    byte[] before = Files.readAllBytes(f);

    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("record 7 follows the signed record 6 (server.stop: a clean shutdown)")
        .hasMessageContaining("record 7 was not written, or not left unsigned, by this server's audit writer")
        .hasMessageContaining("Keep the file as evidence, move it aside together with its key file (audit.key)");
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
    assertThat(strict(f).failure()).map(VerificationResult.Failure::reason).contains(Reason.UNSIGNED_RECORDS);
  }

  @Test
  void afterACleanStopEvenAForgedStartIsRefusedWhenAnythingFollowsIt() throws IOException {
    Path f = log();
    cleanRun(f, 2); // 1..4
    appendForged(f, "server", "server.start"); // 5
    appendForged(f, "alice", "grant.redeem"); // 6
    Files.write(f, "{\"type\":\"record\",\"se".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    byte[] before = Files.readAllBytes(f);

    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("records 5..6 follow the signed record 4 (server.stop")
        .hasMessageContaining("records 5..6 were not written, or not left unsigned, by this server's audit writer");
    assertThat(Files.readAllBytes(f)).as("not even the torn last line is cut").isEqualTo(before);
  }

  @Test
  void recordsAfterAStopWhoseCheckpointWasStrippedAreRefused() throws IOException {
    Path f = log();
    cleanRun(f, 3); // 1 start, signed; 2..4; 5 stop; checkpoint 5 at close
    stripLastCheckpoints(f, 1); // the last checkpoint is now 1's: 2..5 look like a crash tail ...
    appendForged(f, "mallory", "grant.redeem"); // ... but 6 follows the stop
    byte[] before = Files.readAllBytes(f);

    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("record 6 follows the record 5 (server.stop), and no checkpoint covers records 2..6")
        .hasMessageContaining("record 6 was not written, or not left unsigned, by this server's audit writer");
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
  }

  @Test
  void strippingCheckpointsBackToAnEarlierCleanStopIsRefused() throws IOException {
    Path f = log();
    cleanRun(f, 2); // run 1: 1..4, stop at 4 signed
    cleanRun(f, 2); // run 2: 5 start (signed), 6, 7, 8 stop (signed at close)
    stripLastCheckpoints(f, 2); // back to the checkpoint after 4 (run 1's stop)
    List<String> l = lines(f);
    l.remove(l.size() - 1); // and the stop of run 2: records 5..7 end like a crash of run 2 ...
    writeLines(f, l);
    appendForged(f, "mallory", "grant.redeem"); // ... with a forged 8
    byte[] before = Files.readAllBytes(f);

    assertThatThrownBy(() -> open(f)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("records 5..8 follow the signed record 4 (server.stop");
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
  }

  @Test
  void theRulesSeeThroughTheRecordsTheWriterAddsOnOpen() throws IOException {
    // a crash while closing leaves the stop unsigned; the next open signs it after its own record
    Path f = log();
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint();
      w.append(event(1));
      w.append(STOP); // 3
      Files.copy(f, dir.resolve("crashed.jsonl")); // the process dies before close() signs
    }
    Path crashed = dir.resolve("crashed.jsonl");
    try (AuditLogWriter w = open(crashed)) {
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(2, 3));
    }
    assertThat(record(crashed, 4).action()).isEqualTo(AuditLogWriter.UNSIGNED_TAIL_ACTION);
    // the last signed record is now 4, the writer's, but the last start or stop record signed is the stop
    appendForged(crashed, "alice", "grant.redeem");
    assertThatThrownBy(() -> open(crashed)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("record 5 follows the signed record 3 (server.stop");
  }

  // --- adopted, and marked: tails a crash leaves ---

  @Test
  void aCrashTailIsSignedAfterARecordThatNamesItAndTheResultVerifiesStrictly() throws IOException {
    Path f = log();
    Path crashed = dir.resolve("crashed.jsonl");
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint(); // 1 signed
      for (int i = 1; i <= 3; i++) {
        w.append(event(i)); // 2..4, acknowledged (fsynced) but not signed
      }
      Files.copy(f, crashed); // what kill -9 leaves: the close() checkpoint is never written
    }
    assertThat(strict(crashed).failure()).map(VerificationResult.Failure::sequence).contains(2L);

    try (AuditLogWriter w = open(crashed)) {
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(2, 4));
      assertThat(w.adoptedTail().orElseThrow().records()).isEqualTo(3);
      assertThat(w.size()).isEqualTo(5);
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(5L);
    }
    AuditRecord marker = record(crashed, 5);
    assertThat(marker.action()).isEqualTo(AuditLogWriter.UNSIGNED_TAIL_ACTION);
    assertThat(marker.actor()).isEqualTo("server");
    assertThat(marker.object()).isEqualTo("crashed.jsonl");
    assertThat(marker.details()).isEqualTo(Map.of("first", "2", "last", "4", "records", "3"));
    // the marker and its checkpoint come together: no record between them
    List<String> l = lines(crashed);
    assertThat(AuditFixtures.parse(l.get(AuditFixtures.recordLine(l, 5) + 1))).isInstanceOf(CheckpointLine.class);
    VerificationResult v = strict(crashed);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(5);
    // review DL: valid, but not "every record as the key holder wrote it": the verifier says which were signed late
    assertThat(v.warnings()).filteredOn(w -> w.kind() == VerificationResult.Warning.Kind.SIGNED_AFTER_THE_FACT)
        .singleElement().satisfies(w -> assertThat(w.message()).contains("records 2 to 4").contains("record 5")
            .contains("--checkpoints"));
  }

  @Test
  void aCrashRightAfterACleanRestartsStartIsAdopted() throws IOException {
    Path f = log();
    cleanRun(f, 2); // 1..4, stop signed
    Path crashed = dir.resolve("crashed.jsonl");
    try (AuditLogWriter w = open(f)) {
      w.append(START); // 5: the server dies before it signs its start
      Files.copy(f, crashed);
    }
    try (AuditLogWriter w = open(crashed)) {
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(5, 5));
      w.append(START); // the next run
      w.checkpoint();
    }
    assertThat(record(crashed, 6).details()).isEqualTo(Map.of("first", "5", "last", "5", "records", "1"));
    assertThat(records(crashed)).extracting(AuditRecord::action).containsExactly("server.start", "upload.commit",
        "upload.commit", "server.stop", "server.start", AuditLogWriter.UNSIGNED_TAIL_ACTION, "server.start");
    assertThat(strict(crashed).valid()).isTrue();
  }

  @Test
  void aTornLineAfterACrashTailIsCutAndBothAreRecordedBeforeOneCheckpoint() throws IOException {
    Path f = log();
    cleanRun(f, 1); // 1..3
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint(); // 4
      w.append(event(5)); // 5, unsigned
      Files.copy(f, dir.resolve("crashed.jsonl"));
    }
    Path crashed = dir.resolve("crashed.jsonl");
    Files.write(crashed, "{\"type\":\"checkpoint\",\"no".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    try (AuditLogWriter w = open(crashed)) {
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(5, 5));
    }
    assertThat(records(crashed)).extracting(AuditRecord::action).endsWith(AuditLogWriter.TORN_TAIL_ACTION,
        AuditLogWriter.UNSIGNED_TAIL_ACTION);
    assertThat(lastCheckpointSize(crashed)).isEqualTo(7);
    assertThat(strict(crashed).valid()).isTrue();
  }

  @Test
  void withoutALifecycleNoRuleAppliesButTheAdoptionIsStillRecorded() throws IOException {
    Path f = log();
    cleanRun(f, 1); // 1..3
    appendForged(f, "alice", "grant.redeem"); // 4
    try (AuditLogWriter w = AuditLogWriter.open(config(f, 1000), key)) {
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(4, 4));
    }
    assertThat(record(f, 5).action()).isEqualTo(AuditLogWriter.UNSIGNED_TAIL_ACTION);
    assertThat(strict(f).valid()).isTrue();
  }

  // --- the writer's side of the rules ---

  @Test
  void nothingIsAppendedAfterTheStopRecord() throws IOException {
    Path f = log();
    try (AuditLogWriter w = open(f)) {
      w.append(START);
      w.checkpoint();
      w.append(STOP);
      assertThatThrownBy(() -> w.append(event(1))).isInstanceOf(IOException.class)
          .hasMessageContaining("record 2 (server.stop) ended this run's log");
      assertThatThrownBy(() -> w.appendWithoutWaiting(event(1))).isInstanceOf(IOException.class);
    }
    assertThat(records(f)).extracting(AuditRecord::action).containsExactly("server.start", "server.stop");
    assertThat(strict(f).valid()).isTrue();
    try (AuditLogWriter w = open(f)) {
      w.append(START); // the next run may
    }
  }

  @Test
  void aLifecycleNeedsTwoDistinctActions() {
    assertThatThrownBy(() -> new AuditLogWriter.Lifecycle("server.start", "server.start"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
