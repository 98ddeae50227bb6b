package dev.sealdrop.server.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogCorruptException;
import dev.sealdrop.audit.AuditLogEntry;
import dev.sealdrop.audit.AuditLogReader;
import dev.sealdrop.audit.AuditRecord;
import dev.sealdrop.audit.AuditVerifier;
import dev.sealdrop.audit.ChainHash;
import dev.sealdrop.audit.VerificationResult;
import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.RecordEncoding;
import dev.sealdrop.server.ServerMain;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.TestPki;
import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A restart must not sign audit records the server did not write (docs/audit-log.md, "Resuming a log").
 * Someone who can write {@code audit.jsonl} but has no audit key appends a well-formed, correctly chained
 * record after a clean stop: the next start is refused, exit 1, the file left as evidence. A tail a crash
 * leaves is still signed on restart, and the log itself and the server's WARN say which records were
 * signed after the fact.
 */
class AuditRestartTailTest {
  @TempDir Path dir;

  private static Path log(Path data) {
    return data.resolve("audit").resolve("audit.jsonl");
  }

  private static List<AuditRecord> records(Path file) throws IOException {
    List<AuditRecord> out = new ArrayList<>();
    try (AuditLogReader r = AuditLogReader.open(file)) {
      for (Optional<AuditLogEntry> e = r.next(); e.isPresent(); e = r.next()) {
        if (e.get() instanceof AuditLogEntry.RecordLine line) {
          out.add(line.record());
        }
      }
    }
    return out;
  }

  /** The sizes of the checkpoints in the file, in file order. */
  private static List<Long> checkpoints(Path file) throws IOException {
    List<Long> out = new ArrayList<>();
    try (AuditLogReader r = AuditLogReader.open(file)) {
      for (Optional<AuditLogEntry> e = r.next(); e.isPresent(); e = r.next()) {
        if (e.get() instanceof AuditLogEntry.CheckpointLine c) {
          out.add(c.checkpoint().checkpoint().size());
        }
      }
    }
    return out;
  }

  /** A record chained after the file's last one as docs/audit-log.md specifies, by someone without the key. */
  private static void appendForged(Path file, String actor, String action, String object) throws IOException {
    List<AuditRecord> all = records(file);
    AuditRecord last = all.get(all.size() - 1);
    AuditRecord forged = new AuditRecord(last.sequence() + 1, last.timeMillis() + 1000, actor, action, object, "ok",
        actor.equals(Audit.SERVER) ? "" : "127.0.0.1:50000", new TreeMap<>(Map.of()), last.hash());
    ChainHash hash = RecordEncoding.chainHash(last.hash(), RecordEncoding.encode(forged));
    Files.write(file, JsonLines.record(forged, hash), StandardOpenOption.APPEND);
  }

  private static VerificationResult verifyStrictly(Path data) throws IOException {
    return AuditVerifier.withKey(AuditKey.load(data.resolve("audit").resolve("audit.key")).publicKey())
        .verify(log(data));
  }

  @Test
  void aRecordForgedAfterACleanStopStopsTheNextStartAndIsLeftAsEvidence() throws Exception {
    Path data = dir.resolve("data");
    TestServer server = new TestServer(data);
    server.close(); // a clean stop: server.stop, signed at close
    Path log = log(data);
    List<AuditRecord> honest = records(log);
    assertThat(honest.get(honest.size() - 1).action()).isEqualTo("server.stop");
    long forged = honest.size() + 1;
    appendForged(log, "bob", "grant.redeem", "grant:g_0123456789abcdef0123456789abcdef");
    byte[] before = Files.readAllBytes(log);

    Throwable refused = catchThrowable(server::start);
    if (refused == null) {
      server.close(); // (without the fix it starts and signs the forged record)
    }
    assertThat(refused).as("the restart must refuse the log").isNotNull()
        .hasRootCauseInstanceOf(AuditLogCorruptException.class);
    assertThat(refused.getCause().getMessage())
        .contains("record " + forged + " follows the signed record " + (forged - 1) + " (server.stop")
        .contains("not written, or not left unsigned, by this server's audit writer")
        .contains("Keep the file as evidence, move it aside together with its key file (audit.key)");
    assertThat(Files.readAllBytes(log)).as("left as it was found").isEqualTo(before);
    assertThat(verifyStrictly(data).failure()).map(VerificationResult.Failure::reason)
        .contains(VerificationResult.Reason.UNSIGNED_RECORDS);

    // the command line: one sentence and exit 1, as for a log that does not verify
    Path out = dir.resolve("main.out");
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
        System.getProperty("java.class.path"), ServerMain.class.getName(), "--dev", "--certs",
        TestPki.dir().toString(), "--data", data.toString(), "--port", "0", "--admin-port", "0")
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean ended = p.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      p.destroyForcibly();
    }
    String text = Files.readString(out);
    assertThat(ended).as(text).isTrue();
    assertThat(p.exitValue()).as(text).isEqualTo(1);
    assertThat(text).contains("sealdrop-server: error: cannot start: audit log ")
        .contains("record " + forged + " follows the signed record " + (forged - 1))
        .doesNotContain("\tat ").doesNotContain("Exception in thread");
    assertThat(Files.readAllBytes(log)).isEqualTo(before);

    // review BF: doing what it says starts a new log (moving the log alone was refused: a key without its log)
    Path evidence = Files.createDirectories(dir.resolve("evidence"));
    Files.move(log, evidence.resolve("audit.jsonl"));
    Files.move(log.resolveSibling("audit.key"), evidence.resolve("audit.key"));
    server.start();
    try {
      assertThat(records(log)).extracting(AuditRecord::action).contains("audit.log-replaced", "server.start");
    } finally {
      server.close();
    }
    assertThat(evidence.resolve("audit.jsonl")).hasBinaryContent(before);
  }

  @Test
  void theServerSignsItsStartAtOnce() throws Exception {
    Path data = dir.resolve("data");
    try (TestServer server = new TestServer(data)) {
      server.close();
      server.start();
      List<AuditRecord> all = records(log(data));
      long start = all.stream().filter(r -> r.action().equals("server.start")).mapToLong(AuditRecord::sequence)
          .max().orElseThrow();
      assertThat(start).as("the second run's start").isGreaterThan(1);
      assertThat(checkpoints(log(data))).as("signed right after it was written").contains(start);
    }
  }

  @Test
  void aStartACrashLeftUnsignedAfterACleanStopIsSignedAndNamed() throws Exception {
    Path data = dir.resolve("data");
    TestServer server = new TestServer(data);
    server.close();
    long start = records(log(data)).size() + 1;
    // what a crash between the next run's server.start and its checkpoint leaves
    appendForged(log(data), Audit.SERVER, "server.start", "");
    server.start();
    server.close();
    List<AuditRecord> all = records(log(data));
    AuditRecord marker = all.get((int) start); // the record after it
    assertThat(marker.action()).isEqualTo("audit.unsigned-tail-signed");
    assertThat(marker.details()).isEqualTo(Map.of("first", Long.toString(start), "last", Long.toString(start),
        "records", "1"));
    assertThat(all.get((int) start + 1).action()).as("then this run's own start").isEqualTo("server.start");
    assertThat(verifyStrictly(data).valid()).isTrue();
  }

  /**
   * A log as a killed server leaves it: record 1 signed, then {@code unsigned} records acknowledged but not signed
   * (written into the log file; the writer then closed, and the copy taken before its close put back).
   */
  private Path crashedLog(Path data, int unsigned) throws Exception {
    Path file = log(data);
    Path crashed = dir.resolve("crashed.jsonl");
    FileAudit audit = FileAudit.open(data, "test.example/audit", 1000, Duration.ofHours(1), Clock.systemUTC());
    try {
      audit.record(Audit.SERVER, "server.start", "", "ok", "");
      audit.checkpointCovering(audit.takeAppendedOnThisThread()); // 1 is signed
      for (int i = 0; i < unsigned; i++) {
        audit.record("alice", "upload.start", "upload:u" + i, "ok", "127.0.0.1:1");
      }
      Files.copy(file, crashed);
    } finally {
      audit.close();
    }
    Files.copy(crashed, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return file;
  }

  /** Reopens the log in {@code data}, hands it to {@code check}, and returns the warnings the server logged. */
  private static List<String> warningsOnReopening(Path data, java.util.function.Consumer<List<Audit.Entry>> check)
      throws Exception {
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(FileAudit.class);
    CapturedLog logs = new CapturedLog();
    logs.start();
    logger.addAppender(logs);
    try {
      FileAudit reopened = FileAudit.open(data, "test.example/audit", 1000, Duration.ofHours(1), Clock.systemUTC());
      try {
        check.accept(reopened.tail(1));
      } finally {
        reopened.close();
      }
    } finally {
      logger.detachAppender(logs);
      logs.stop();
    }
    return logs.events().stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  /** Round Y: a record cut short was discarded with a record in the log, and nothing in the server's log. */
  @Test
  void aTornTailIsDiscardedWithARecordAndAWarning() throws Exception {
    Path data = dir.resolve("data");
    Path file = crashedLog(data, 0);
    Files.writeString(file, "{\"type\":\"record\",\"seq\":99", java.nio.file.StandardOpenOption.APPEND); // 25 bytes
    List<String> warnings = warningsOnReopening(data, tail -> assertThat(tail).singleElement().satisfies(e -> {
      assertThat(e.action()).isEqualTo("audit.torn-tail-discarded");
      assertThat(e.details()).isEqualTo(Map.of("bytes", "25"));
    }));
    assertThat(warnings).singleElement().asString().contains(file.toString())
        .contains("its last 25 bytes were a line cut short").contains("were discarded")
        .contains("audit.torn-tail-discarded");
    assertThat(verifyStrictly(data).valid()).isTrue();
  }

  @Test
  void aCrashTailIsSignedOnRestartWithARecordAndAWarningThatNameIt() throws Exception {
    Path data = dir.resolve("data");
    Path file = crashedLog(data, 2); // records 2..3 acknowledged, unsigned: what kill -9 leaves
    List<String> warnings = warningsOnReopening(data, tail -> assertThat(tail).singleElement().satisfies(e -> {
      assertThat(e.sequence()).isEqualTo(4);
      assertThat(e.action()).isEqualTo("audit.unsigned-tail-signed");
      assertThat(e.actor()).isEqualTo("server");
      assertThat(e.details()).isEqualTo(Map.of("first", "2", "last", "3", "records", "2"));
    }));
    assertThat(warnings).singleElement().asString().contains(file.toString())
        .contains("records 2..3 were not signed when written (the server stopped without closing the log, or could not"
            + " write its close); they"
            + " are signed now")
        .contains("an auditor should check them against checkpoints held by the parties");
    assertThat(verifyStrictly(data).valid()).isTrue();
  }

  /**
   * Whether the previous run stopped after running, as the start's crash recovery asks (UnrecordedActs): not after a
   * crash, and not after a start that failed (round W: a start that died in its own recovery wrote start-failed, and
   * the next start then skipped the recovery for good).
   */
  @Test
  void onlyAStopAfterARunCountsAsTheRunStopping() throws Exception {
    java.util.List<String> results = java.util.List.of("ok", "start-failed");
    for (String result : results) {
      Path data = dir.resolve("stop-" + result);
      FileAudit audit = FileAudit.open(data, "test.example/audit", 1000, Duration.ofHours(1), Clock.systemUTC());
      assertThat(audit.previousRunStopped()).as("a new log").isTrue();
      audit.record(Audit.SERVER, FileAudit.START, "", "ok", "");
      audit.record(Audit.SERVER, FileAudit.STOP, "", result, "");
      audit.close();
      FileAudit reopened = FileAudit.open(data, "test.example/audit", 1000, Duration.ofHours(1), Clock.systemUTC());
      try {
        assertThat(reopened.previousRunStopped()).as(result).isEqualTo(result.equals("ok"));
      } finally {
        reopened.close();
      }
    }
  }
}
