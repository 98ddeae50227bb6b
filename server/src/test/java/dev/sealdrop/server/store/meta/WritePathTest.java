package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite write path (one writer connection behind a fair JVM lock, reads on a read-only pool):
 * reads cannot write, a failed transaction leaves nothing behind and does not poison the writer,
 * every write transaction runs with {@code synchronous=FULL} in WAL mode (a commit is fsynced before
 * it returns), and 32 concurrent claims of 32 grants all win and survive a reopen.
 */
class WritePathTest {
  @TempDir
  Path dir;

  @Test
  void theReadPoolRefusesWrites() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"));
        Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO identities (name, role, enabled, created_at, updated_at)"
          + " VALUES ('mallory', 'admin', 1, 0, 0)")).isInstanceOf(SQLException.class)
          .hasMessageContaining("readonly");
      assertThat(new JdbcIdentityRepository(db).find("mallory")).isEmpty();
    }
  }

  @Test
  void aFailedTransactionRollsBackAndTheWriterStaysUsable() {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Jdbc jdbc = new Jdbc(db);
      assertThatThrownBy(() -> jdbc.inTransaction(c -> {
        Jdbc.update(c, "INSERT INTO identities (name, role, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            "half", "acquirer", true, 0L, 0L);
        throw new IllegalStateException("boom");
      })).hasMessage("boom");
      assertThatThrownBy(() -> jdbc.inTransaction(c -> Jdbc.update(c, "INSERT INTO no_such_table VALUES (1)")))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("database error");
      assertThat(new JdbcIdentityRepository(db).find("half")).isEmpty();
      assertThat(jdbc.update("INSERT INTO identities (name, role, enabled, created_at, updated_at)"
          + " VALUES (?, ?, ?, ?, ?)", "whole", "acquirer", true, 0L, 0L)).isEqualTo(1);
      assertThat(new JdbcIdentityRepository(db).find("whole")).isPresent();
    }
  }

  @Test
  void writeTransactionsAreFullySyncedInWalMode() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      List<String> pragmas = db.inTransaction(c -> List.of(
          Jdbc.query(c, "PRAGMA synchronous", rs -> rs.getString(1)).get(0),
          Jdbc.query(c, "PRAGMA journal_mode", rs -> rs.getString(1)).get(0)));
      assertThat(pragmas).as("synchronous=FULL (2): the WAL is fsynced at every commit").containsExactly("2", "wal");
    }
  }

  @Test
  void thirtyTwoConcurrentClaimsAllWinAndSurviveAReopen() throws Exception {
    Path file = dir.resolve("meta.db");
    Instant now = Instant.now();
    int n = 32;
    List<Grant> grants = new ArrayList<>();
    try (Database db = Database.openSqlite(file)) {
      JdbcUploadRepository uploads = new JdbcUploadRepository(db);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      for (int i = 0; i < n; i++) {
        String up = String.format("up_%032d", i);
        String f = String.format("f_%032d", i);
        uploads.create(new Upload(up, "alice", UploadState.OPEN, 0, 0, now, now, null));
        uploads.commit(up, new StoredFile(f, "alice", 10, "ab".repeat(32), List.of(), now), now);
        Grant g = new Grant(String.format("g_%032d", i), f, "alice", "bob", GrantState.ACTIVE, now,
            now.plus(Duration.ofHours(1)), 1, 0, 10, "ab".repeat(32));
        repo.create(g, String.format("%064x", i));
        grants.add(g);
      }
      ExecutorService pool = Executors.newFixedThreadPool(n);
      CountDownLatch go = new CountDownLatch(1);
      try {
        List<Future<Boolean>> wins = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Grant g = grants.get(i);
          String claimHash = String.format("%064x", 1000 + i);
          wins.add(pool.submit(() -> {
            go.await();
            return repo.claim(g.id(), "bob", now, claimHash, now.plus(Duration.ofMinutes(5)));
          }));
        }
        go.countDown();
        for (Future<Boolean> w : wins) {
          assertThat(w.get(60, TimeUnit.SECONDS)).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    try (Database reopened = Database.openSqlite(file)) {
      JdbcGrantRepository repo = new JdbcGrantRepository(reopened);
      for (int i = 0; i < n; i++) {
        assertThat(repo.find(grants.get(i).id()).orElseThrow().state()).isEqualTo(GrantState.CLAIMED);
        assertThat(repo.findClaim(String.format("%064x", 1000 + i))).isPresent();
      }
    }
  }
}
