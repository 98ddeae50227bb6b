package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log's latest checkpoint kept in the database: it only grows, and a new key's replaces another key's. */
class AuditWitnessTest {
  @TempDir
  Path dir;

  @Test
  void aKeptCheckpointOnlyGrowsAndANewKeysReplacesTheOld() throws Exception {
    Instant at = Instant.parse("2026-12-06T00:00:00Z");
    try (Database db = Database.openSqlite(dir.resolve("sealdrop.db"))) {
      AuditWitness w = new AuditWitness(db);
      assertThat(w.find()).isEmpty();
      assertThat(w.keep(new AuditWitness.Kept("k1", 10, "note-10"), at)).isTrue();
      assertThat(w.keep(new AuditWitness.Kept("k1", 12, "note-12"), at)).isTrue();
      // an older one (a maintenance round that read the log before the stop's) never replaces a newer one
      assertThat(w.keep(new AuditWitness.Kept("k1", 11, "note-11"), at)).isFalse();
      assertThat(w.keep(new AuditWitness.Kept("k1", 12, "note-12"), at)).isFalse();
      assertThat(w.find()).contains(new AuditWitness.Kept("k1", 12, "note-12"));
      // a new log under a new key (both moved away on purpose) starts again from its own first checkpoint
      assertThat(w.keep(new AuditWitness.Kept("k2", 2, "note-2"), at)).isTrue();
      assertThat(w.find()).contains(new AuditWitness.Kept("k2", 2, "note-2"));
    }
    try (Database db = Database.openSqlite(dir.resolve("sealdrop.db"))) {
      assertThat(new AuditWitness(db).find()).as("durable").contains(new AuditWitness.Kept("k2", 2, "note-2"));
    }
  }
}
