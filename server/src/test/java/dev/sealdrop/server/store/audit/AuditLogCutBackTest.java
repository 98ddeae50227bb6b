package dev.sealdrop.server.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.store.meta.AuditWitness;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round BV: someone who can write the data folder, but has no audit key, cut the log back to one of its checkpoints
 * while the server was stopped; the server took that for a crash, started, and signed new records at sizes it had
 * signed before with other heads (docs/audit-log.md: a log MUST NOT sign two different heads for the same size). The
 * database now keeps the log's latest checkpoint ({@link AuditWitness}), and a start requires the log to hold it.
 */
class AuditLogCutBackTest {
  @TempDir
  Path data;
  /** Where a test moves the old log and key (its own temporary folder, removed after the test). */
  @TempDir
  Path oldAudit;

  private Path log() {
    return data.resolve("audit").resolve("audit.jsonl");
  }

  /** The byte offsets just after each checkpoint line of the log. */
  private List<Integer> checkpointEnds(byte[] log) {
    List<Integer> ends = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < log.length; i++) {
      if (log[i] == '\n') {
        if (new String(log, start, i - start, StandardCharsets.UTF_8).startsWith("{\"type\":\"checkpoint\"")) {
          ends.add(i + 1);
        }
        start = i + 1;
      }
    }
    return ends;
  }

  @Test
  void aLogCutBackToAnEarlierCheckpointRefusesTheStartAndWritesNothing() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    server.start().close(); // two runs: the log holds a checkpoint of each start and each stop
    byte[] kept = Files.readAllBytes(log());
    List<Integer> ends = checkpointEnds(kept);
    assertThat(ends).hasSizeGreaterThanOrEqualTo(4);
    long witnessed;
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      witnessed = new AuditWitness(db).find().orElseThrow().size();
    }

    for (int cut : new int[] {ends.get(0), ends.get(ends.size() - 2)}) {
      Files.write(log(), java.util.Arrays.copyOf(kept, cut));
      assertThatThrownBy(server::start).as("cut at %d", cut).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("does not hold the checkpoint of " + witnessed + " records that its writer signed"
              + " before (TRUNCATED: the file ends after record ").hasMessageContaining("restore the log from a backup");
      assertThat(Files.size(log())).as("nothing written").isEqualTo(cut);
    }
    // cut within a record after a checkpoint (one whole record left is no crash either: round AK's guard let it by)
    Files.write(log(), java.util.Arrays.copyOf(kept, ends.get(0) + 20));
    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("does not hold the checkpoint of " + witnessed + " records");

    Files.write(log(), kept);
    server.start().close();
  }

  /**
   * Review BX: a kept checkpoint that the log's key did not sign (the database edited) was reported as the log's fault,
   * with the advice to move an intact log aside. The refusal now names the database.
   */
  @Test
  void aKeptCheckpointTheKeyDidNotSignBlamesTheDatabaseNotTheLog() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    byte[] log = Files.readAllBytes(log());
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      AuditWitness w = new AuditWitness(db);
      AuditWitness.Kept kept = w.find().orElseThrow();
      String forged = kept.note().replaceFirst("\n" + kept.size() + "\n", "\n" + (kept.size() + 5) + "\n");
      assertThat(forged).isNotEqualTo(kept.note());
      assertThat(w.keep(new AuditWitness.Kept(kept.verifierKey(), kept.size() + 5, forged), java.time.Instant.now()))
          .isTrue();
    }
    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("kept in the database is not signed by the log's key")
        .hasMessageContaining("Restore sealdrop.db");
    assertThat(Files.readAllBytes(log())).as("the log untouched").isEqualTo(log);

    // review BZ: the row's key column edited to another key skipped the check; the note must be that key's
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      AuditWitness w = new AuditWitness(db);
      AuditWitness.Kept kept = w.find().orElseThrow();
      assertThat(w.keep(new AuditWitness.Kept("sealdrop/audit+01234567+AQ", kept.size(), kept.note()),
          java.time.Instant.now())).isTrue();
    }
    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("is not signed by the key it names").hasMessageContaining("Restore sealdrop.db");
    assertThat(Files.readAllBytes(log())).as("the log untouched").isEqualTo(log);
  }

  /** What a crash leaves (a torn line after the last checkpoint) is still opened, and said in the log. */
  @Test
  void aTornLineAfterTheKeptCheckpointIsACrashAndStillOpens() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    Files.write(log(), "{\"type\":\"record\",\"seq\":".getBytes(StandardCharsets.US_ASCII),
        java.nio.file.StandardOpenOption.APPEND);
    server.start();
    assertThat(server.server().audit().tail(10)).anySatisfy(e -> assertThat(e.action())
        .isEqualTo(dev.sealdrop.audit.AuditLogWriter.TORN_TAIL_ACTION));
    server.close();
  }

  /** A new log started on purpose (both the log and its key moved away) starts, and its own checkpoints are kept. */
  @Test
  void aNewLogUnderANewKeyStartsAndReplacesTheKeptCheckpoint() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    String oldKey;
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      oldKey = new AuditWitness(db).find().orElseThrow().verifierKey();
    }
    Path aside = oldAudit;
    Files.move(log(), aside.resolve("audit.jsonl"));
    Files.move(data.resolve("audit").resolve("audit.key"), aside.resolve("audit.key"));

    long oldSize;
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      oldSize = new AuditWitness(db).find().orElseThrow().size();
    }

    server.start();
    // the new log says which log it replaced, and how far that one went (review BX)
    assertThat(server.server().audit().tail(20)).filteredOn(e -> e.action().equals(FileAudit.LOG_REPLACED))
        .singleElement().satisfies(e -> assertThat(e.details()).containsEntry("previous-verifier-key", oldKey)
            .containsEntry("previous-records", Long.toString(oldSize)));
    server.close();
    try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
      AuditWitness.Kept kept = new AuditWitness(db).find().orElseThrow();
      assertThat(kept.verifierKey()).isNotEqualTo(oldKey);
      long records = Files.readAllLines(log()).stream().filter(l -> l.startsWith("{\"type\":\"record\"")).count();
      assertThat(kept.size()).as("the new log's stop checkpoint covers all its records").isEqualTo(records);
    }
    server.start().close();
  }
}
