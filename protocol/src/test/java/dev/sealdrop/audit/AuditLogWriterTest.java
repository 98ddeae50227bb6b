package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.config;
import static dev.sealdrop.audit.AuditFixtures.event;
import static dev.sealdrop.audit.AuditFixtures.key;
import static dev.sealdrop.audit.AuditFixtures.lines;
import static dev.sealdrop.audit.AuditFixtures.writeLines;
import static dev.sealdrop.audit.AuditFixtures.writeLog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AuditLogWriterTest {
  @TempDir Path dir;
  private final AuditKey key = key(1);

  private VerificationResult verify(Path file) throws IOException {
    return AuditVerifier.withKey(key.publicKey()).verify(file);
  }

  @ParameterizedTest
  @EnumSource(Durability.class)
  void roundTripReadsBackExactlyWhatWasAppended(Durability durability) throws IOException {
    Path file = dir.resolve("audit.jsonl");
    List<AuditRecord> appended = new ArrayList<>();
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 10).withDurability(durability), key)) {
      for (int i = 1; i <= 23; i++) {
        appended.add(w.append(event(i)));
      }
      appended.add(w.append(AuditEvent.of("CN=Zoë \u2028 \"quoted\" \\ back", "connection.refuse", "", "denied",
          "[::1]:4433", Map.of("reason", "certificate expired\nnext line", "emoji", "\uD83D\uDD12"))));
    }
    List<AuditRecord> read = new ArrayList<>();
    try (AuditLogReader r = AuditLogReader.open(file)) {
      Optional<AuditLogEntry> e;
      while ((e = r.next()).isPresent()) {
        if (e.get() instanceof RecordLine rl) {
          read.add(rl.record());
        }
      }
    }
    assertThat(read).isEqualTo(appended);
    AuditRecord last = read.get(read.size() - 1);
    assertThat(last.details().get("reason")).isEqualTo("certificate expired\uFFFDnext line");
    assertThat(last.actor()).contains("Zoë");
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(24);
    assertThat(v.checkpointsVerified()).isEqualTo(3); // 10, 20, and 24 at close
    assertThat(v.lastCheckpoint()).map(c -> c.checkpoint().size()).contains(24L);
    assertThat(v.head()).isEqualTo(last.hash());
    assertThat(v.keySource()).isEqualTo(VerificationResult.KeySource.GIVEN);
    assertThat(v.warnings()).extracting(VerificationResult.Warning::kind)
        .containsExactly(VerificationResult.Warning.Kind.NO_EXTERNAL_CHECKPOINT);
  }

  /**
   * Review EI: a log opened with another key than the one its header names was told to be moved aside for a new log
   * (forking the history); when it verifies under its own header's key, the key file is what was replaced.
   */
  @Test
  void aLogOpenedWithAnotherKeyThanItsOwnNamesTheKeyFileNotTheLog() throws IOException {
    Path file = dir.resolve("keyed.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 2), key)) {
      for (int i = 0; i < 5; i++) {
        w.append(AuditEvent.of("server", "server.start", "", "ok", ""));
      }
    }
    byte[] before = java.nio.file.Files.readAllBytes(file);
    assertThatThrownBy(() -> AuditLogWriter.open(config(file, 2), key(2)).close())
        .isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("the audit key file (audit.key) holds another key")
        .hasMessageContaining("Restore audit.key from a backup").hasMessageNotContaining("start a new log");
    assertThat(java.nio.file.Files.readAllBytes(file)).as("left as it was").isEqualTo(before);
  }

  /** Review DL: a log that says it replaced another is valid, and the verifier says where its history went. */
  @Test
  void aLogThatReplacedAnotherVerifiesWithAWarningNamingTheReplacedLog() throws IOException {
    Path file = dir.resolve("replacing.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 10), key)) {
      w.append(AuditEvent.of("server", "server.start", "", "ok", ""));
      w.append(AuditEvent.of("server", AuditLogWriter.LOG_REPLACED_ACTION, "", "ok", "", Map.of(
          "previous-verifier-key", "old+0123abcd+AAAA", "previous-records", "4711")));
      w.append(AuditEvent.of("bob", "sshkey.remove", "identity:bob", "ok", "", Map.of(
          "previous-records", "1"))); // (only the server's record says so)
    }
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.warnings()).filteredOn(w -> w.kind() == VerificationResult.Warning.Kind.LOG_REPLACED)
        .singleElement().satisfies(w -> assertThat(w.message()).contains("record 2").contains("4711")
            .contains("old+0123abcd+AAAA"));
  }

  @Test
  void recordsAreChainedFromTheOriginBoundGenesis() throws IOException {
    try (AuditLogWriter w = AuditLogWriter.open(config(dir.resolve("a.jsonl"), 10), key)) {
      AuditRecord first = w.append(event(1));
      AuditRecord second = w.append(event(2));
      assertThat(first.sequence()).isEqualTo(1);
      assertThat(first.previousHash()).isEqualTo(dev.sealdrop.audit.internal.RecordEncoding.genesis(AuditFixtures.ORIGIN));
      assertThat(second.previousHash()).isEqualTo(first.hash());
      assertThat(first.timeMillis()).isEqualTo(AuditFixtures.T0.toEpochMilli());
    }
  }

  @Test
  void aRestartedWriterVerifiesAndContinuesTheChain() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 7, 5);
    AuditRecord eighth;
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 5), key)) {
      assertThat(w.size()).isEqualTo(7);
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(7L);
      eighth = w.append(event(8));
      for (int i = 9; i <= 12; i++) {
        w.append(event(i));
      }
    }
    assertThat(eighth.sequence()).isEqualTo(8);
    assertThat(eighth.previousHash()).isEqualTo(AuditFixtures.checkpointAt(file, 7).checkpoint().head());
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(12);
  }

  @Test
  void aRestartRefusesATamperedLogAndLeavesItUntouched() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 6, 10);
    List<String> l = lines(file);
    int i = AuditFixtures.recordLine(l, 3);
    l.set(i, l.get(i).replace("\"result\":\"ok\"", "\"result\":\"denied\""));
    writeLines(file, l);
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> AuditLogWriter.open(config(file, 10), key))
        .isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("EDITED at record 3")
        .satisfies(e -> assertThat(((AuditLogCorruptException) e).result().failure()).isPresent());
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void aRestartRefusesALogOfAnotherOriginOrKey() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 2, 10);
    AuditLogConfig otherOrigin = new AuditLogConfig(file, "sealdrop.test/audit/other", Durability.GROUP_COMMIT, 10,
        Duration.ZERO, java.time.Clock.systemUTC());
    assertThatThrownBy(() -> AuditLogWriter.open(otherOrigin, key)).isInstanceOf(AuditLogCorruptException.class)
        .hasMessageContaining("origin");
    assertThatThrownBy(() -> AuditLogWriter.open(config(file, 10), key(2))).isInstanceOf(AuditLogCorruptException.class);
  }

  @Test
  void aTornLastLineIsCutOffAndTheCutIsItselfAudited() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 4, 10);
    String partial = "{\"type\":\"record\",\"seq\":5,\"time\":17954244";
    Files.write(file, partial.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    assertThat(AuditVerifier.withKey(key.publicKey()).verify(file).failure())
        .map(VerificationResult.Failure::reason).contains(VerificationResult.Reason.MALFORMED);
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 10), key)) {
      assertThat(w.size()).isEqualTo(5);
      w.append(event(6));
    }
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(6);
    List<String> l = lines(file);
    AuditRecord fifth = ((RecordLine) AuditFixtures.parse(l.get(AuditFixtures.recordLine(l, 5)))).record();
    assertThat(fifth.action()).isEqualTo(AuditLogWriter.TORN_TAIL_ACTION);
    assertThat(fifth.details()).containsEntry("bytes", Integer.toString(partial.length()));
  }

  @Test
  void aTornTailOfATamperedLogIsNotCutOff() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 4, 10);
    List<String> l = lines(file);
    int i = AuditFixtures.recordLine(l, 2);
    l.set(i, l.get(i).replace("\"result\":\"ok\"", "\"result\":\"denied\""));
    writeLines(file, l);
    Files.write(file, "{\"type\":\"rec".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
    byte[] before = Files.readAllBytes(file);
    assertThatThrownBy(() -> AuditLogWriter.open(config(file, 10), key)).isInstanceOf(AuditLogCorruptException.class);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void aTornHeaderIsReplacedButAForeignFileIsNot() throws IOException {
    Path torn = dir.resolve("torn.jsonl");
    Files.write(torn, "{\"type\":\"header\",\"form".getBytes(StandardCharsets.UTF_8));
    try (AuditLogWriter w = AuditLogWriter.open(config(torn, 10), key)) {
      w.append(event(1));
    }
    assertThat(verify(torn).valid()).isTrue();
    Path foreign = dir.resolve("foreign.bin");
    Files.write(foreign, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> AuditLogWriter.open(config(foreign, 10), key))
        .isInstanceOf(AuditLogCorruptException.class).hasMessageContaining("not a sealdrop audit log");
    assertThat(Files.readAllBytes(foreign)).containsExactly(1, 2, 3);
  }

  @Test
  void aLogThatStoppedWithoutClosingIsSignedOnRestart() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 8, 5);
    List<String> l = lines(file);
    l.remove(l.size() - 1); // the close() checkpoint for 8, as if the process had been killed
    writeLines(file, l);
    assertThat(verify(file).failure()).map(VerificationResult.Failure::reason)
        .contains(VerificationResult.Reason.UNSIGNED_RECORDS);
    assertThat(AuditVerifier.withKey(key.publicKey()).allowingUnsignedTail().verify(file)
        .hasWarning(VerificationResult.Warning.Kind.UNSIGNED_TAIL)).isTrue();
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 5), key)) {
      // records 6..8 were never signed: record 9 says so, and the checkpoint for 9 signs them all
      assertThat(w.adoptedTail()).contains(new AuditLogWriter.AdoptedTail(6, 8));
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(9L);
    }
    assertThat(verify(file).valid()).isTrue();
    List<String> after = lines(file);
    AuditRecord ninth = ((RecordLine) AuditFixtures.parse(after.get(AuditFixtures.recordLine(after, 9)))).record();
    assertThat(ninth.action()).isEqualTo(AuditLogWriter.UNSIGNED_TAIL_ACTION);
    assertThat(ninth.details()).isEqualTo(Map.of("first", "6", "last", "8", "records", "3"));
  }

  @Test
  void aLogThatClosedNeedsNoSignatureOnRestartAndNamesNoAdoptedTail() throws IOException {
    Path file = writeLog(dir, "audit.jsonl", key, 8, 5);
    byte[] before = Files.readAllBytes(file);
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 5), key)) {
      assertThat(w.adoptedTail()).isEmpty();
      assertThat(Files.readAllBytes(file)).as("nothing appended on open").isEqualTo(before);
    }
  }

  @Test
  void recordsAppendedWithoutWaitingJoinTheSameChainAndTheNextCheckpointCoversThem() throws IOException {
    Path file = dir.resolve("nowait.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 100), key)) {
      AuditRecord first = w.append(event(1));
      AuditRecord second = w.appendWithoutWaiting(event(2));
      AuditRecord third = w.append(event(3));
      AuditRecord fourth = w.appendWithoutWaiting(event(4));
      assertThat(second.sequence()).isEqualTo(2);
      assertThat(second.previousHash()).isEqualTo(first.hash());
      assertThat(third.previousHash()).isEqualTo(second.hash());
      assertThat(fourth.previousHash()).isEqualTo(third.hash());
      // a checkpoint returned by checkpoint() is durable and covers the unsynced fourth record
      assertThat(w.checkpoint().checkpoint().size()).isEqualTo(4);
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(4L);
    }
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(4);
  }

  @Test
  void aCheckpointCoveringARecordIsSignedOnlyWhenTheLatestDoesNotCoverIt() throws IOException {
    Path file = dir.resolve("covering.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 100), key)) {
      AuditRecord a = w.append(event(1));
      AuditRecord b = w.append(event(2));
      SignedCheckpoint forA = w.checkpointCovering(a.sequence());
      assertThat(forA.checkpoint().size()).as("signed of the current head: covers b too").isEqualTo(2);
      AuditRecord c = w.append(event(3));
      // b's call needs no signature of its own: the latest checkpoint covers it although c came since
      assertThat(w.checkpointCovering(b.sequence())).isEqualTo(forA);
      SignedCheckpoint forC = w.checkpointCovering(c.sequence());
      assertThat(forC.checkpoint().size()).isEqualTo(3);
      assertThat(w.latestCheckpoint()).contains(forC);
    }
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(3);
  }

  @Test
  void appendingWithoutWaitingAfterCloseIsRefused() throws IOException {
    AuditLogWriter w = AuditLogWriter.open(config(dir.resolve("closed.jsonl"), 10), key);
    w.close();
    assertThatThrownBy(() -> w.appendWithoutWaiting(event(1))).isInstanceOf(IOException.class);
  }

  @Test
  void onlyOneWriterMayHoldTheLog() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 10), key)) {
      w.append(event(1));
      assertThatThrownBy(() -> AuditLogWriter.open(config(file, 10), key)).isInstanceOf(IOException.class)
          .hasMessageContaining("already open");
    }
  }

  @Test
  void anInterruptedAppenderDoesNotCloseOrBreakTheLog() throws Exception {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 2), key)) {
      Thread t = new Thread(() -> {
        Thread.currentThread().interrupt(); // e.g. a cancelled request thread
        try {
          w.append(event(1));
          w.checkpoint();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
      t.setUncaughtExceptionHandler((th, e) -> failure.set(e));
      t.start();
      t.join(10_000);
      assertThat(failure.get()).isNull();
      w.append(event(2));
    }
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isEqualTo(2);
  }

  @Test
  void appendAfterCloseIsRefused() throws IOException {
    AuditLogWriter w = AuditLogWriter.open(config(dir.resolve("audit.jsonl"), 10), key);
    w.close();
    w.close(); // idempotent
    assertThatThrownBy(() -> w.append(event(1))).isInstanceOf(IOException.class).hasMessageContaining("closed");
  }

  @Test
  void aCheckpointIsSignedEveryNRecords() throws IOException {
    try (AuditLogWriter w = AuditLogWriter.open(config(dir.resolve("audit.jsonl"), 3), key)) {
      for (int i = 1; i <= 7; i++) {
        w.append(event(i));
      }
      assertThat(w.latestCheckpoint()).map(c -> c.checkpoint().size()).contains(6L);
      SignedCheckpoint now = w.checkpoint();
      assertThat(now.checkpoint().size()).isEqualTo(7);
      assertThat(now.check(key.publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
      assertThat(w.checkpoint()).as("no new records: the same checkpoint").isEqualTo(now);
    }
  }

  @Test
  void aCheckpointIsSignedAfterTheIntervalWhenRecordsArePending() throws Exception {
    AuditLogConfig c = config(dir.resolve("audit.jsonl"), 1000).withCheckpointEvery(1000, Duration.ofMillis(50));
    try (AuditLogWriter w = AuditLogWriter.open(c, key)) {
      w.append(event(1));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (w.latestCheckpoint().map(cp -> cp.checkpoint().size()).orElse(0L) < 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(w.latestCheckpoint()).map(cp -> cp.checkpoint().size()).contains(1L);
    }
  }

  /**
   * Review BJ: the interval was timed from the last checkpoint, and the timer looked once per interval: a record
   * appended just after a checkpoint signed for another reason (a transfer's response) waited up to twice the interval
   * unsigned. It is signed once it has been pending for the interval, give or take a twentieth.
   */
  @Test
  void aRecordIsSignedOnceItHasBeenPendingForTheIntervalNotTwiceThat() throws Exception {
    Duration interval = Duration.ofSeconds(2);
    AuditLogConfig c = config(dir.resolve("audit.jsonl"), 1000).withCheckpointEvery(1000, interval);
    try (AuditLogWriter w = AuditLogWriter.open(c, key)) {
      w.append(event(1));
      Thread.sleep(100);
      w.checkpoint(); // signed for its own reason, just after the timer began
      w.append(event(2));
      long appended = System.nanoTime();
      long deadline = appended + Duration.ofSeconds(10).toNanos();
      while (w.latestCheckpoint().map(cp -> cp.checkpoint().size()).orElse(0L) < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long pendingMillis = (System.nanoTime() - appended) / 1_000_000;
      assertThat(w.latestCheckpoint()).map(cp -> cp.checkpoint().size()).contains(2L);
      // at the interval and a twentieth of it; the old timing signed it at about 3.9 s (a busy machine adds some)
      assertThat(pendingMillis).as("ms the record waited unsigned").isGreaterThanOrEqualTo(interval.toMillis() - 50)
          .isLessThan(3_300);
    }
  }

  @Test
  void anEmptyLogClosesWithASignedCheckpointOfSizeZero() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    AuditLogWriter.open(config(file, 10), key).close();
    VerificationResult v = verify(file);
    assertThat(v.valid()).isTrue();
    assertThat(v.records()).isZero();
    assertThat(v.checkpointsVerified()).isEqualTo(1);
  }

  @Test
  void exportIsTheLogUpToAFreshCheckpointAndVerifiesOffline() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    try (AuditLogWriter w = AuditLogWriter.open(config(file, 100), key)) {
      for (int i = 1; i <= 5; i++) {
        w.append(event(i));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      SignedCheckpoint cp = w.exportTo(out);
      assertThat(cp.checkpoint().size()).isEqualTo(5);
      w.append(event(6)); // the export is a snapshot
      VerificationResult v = AuditVerifier.withKey(key.publicKey()).holding(List.of(cp))
          .verify(new ByteArrayInputStream(out.toByteArray()));
      assertThat(v.valid()).isTrue();
      assertThat(v.records()).isEqualTo(5);
      assertThat(v.status()).isEqualTo(VerificationResult.Status.VALID);
    }
  }

  @Test
  void theLogFileIsOwnerOnly() throws IOException {
    Path file = dir.resolve("audit.jsonl");
    AuditLogWriter.open(config(file, 10), key).close();
    if (dev.sealdrop.audit.internal.KeyFiles.posix(file)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }
  }

  @Test
  void eventsAreSanitisedNotRefused() {
    String longActor = "x".repeat(1000);
    AuditEvent e = AuditEvent.of(longActor, "connection.refuse", null, "denied", "a\u0000b\uD800");
    assertThat(e.actor()).hasSizeLessThanOrEqualTo(AuditRecord.MAX_ACTOR_BYTES).endsWith("\u2026");
    assertThat(e.object()).isEmpty();
    assertThat(e.peer()).isEqualTo("a\uFFFDb\uFFFD");
    assertThat(AuditEvent.of(null, "x", "", "ok", "").actor()).isEqualTo("-");
    assertThatThrownBy(() -> AuditEvent.of("a", "Bad Action", "", "ok", "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AuditEvent.of("a", "x", "", "ok", "", Map.of("Bad Key", "v")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
