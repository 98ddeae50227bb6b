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
 * The SQLite write path (one writer thread and connection with group commit, reads on a read-only
 * pool): reads cannot write; a failed transaction leaves nothing behind and does not poison the
 * writer; within one batch, claims of one grant still have exactly one winner and a failing work
 * takes nobody else with it; every write runs with {@code synchronous=FULL} in WAL mode (a commit
 * is fsynced before it returns); and 32 concurrent claims of 32 grants all win and survive a reopen.
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
  void aFailedTransactionRollsBackAndTheWriterStaysUsable() throws Exception {
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
  void oneBatchOfTwentyClaimsOnOneGrantHasExactlyOneWinnerAndAFailingWorkHurtsNobodyElse() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = seed(db, now, 1);
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      Jdbc jdbc = new Jdbc(db);
      CountDownLatch writerBusy = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(22);
      try {
        Future<Object> blocker = pool.submit(() -> jdbc.inTransaction(c -> {
          writerBusy.countDown();
          try {
            release.await(); // hold the writer so that everything below queues into the next batch
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        }));
        assertThat(writerBusy.await(30, TimeUnit.SECONDS)).isTrue();
        List<Future<Boolean>> claims = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          String claimHash = String.format("%064x", 500 + i);
          claims.add(pool.submit(() -> repo.claim(g.id(), Enrolled.credential("bob"), now, claimHash, now.plus(Duration.ofMinutes(5)), true)));
          if (i == 10) {
            claims.add(pool.submit(() -> jdbc.<Boolean>inTransaction(c -> {
              Jdbc.update(c, "INSERT INTO identities (name, role, enabled, created_at, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?)", "partial", "acquirer", true, 0L, 0L);
              throw new IllegalStateException("this work fails after writing");
            })));
          }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (db.writer().pending() < 21 && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        assertThat(db.writer().pending()).as("all queued behind the busy writer: one batch").isEqualTo(21);
        release.countDown();
        blocker.get(30, TimeUnit.SECONDS);
        int won = 0;
        int failed = 0;
        for (Future<Boolean> c : claims) {
          try {
            won += c.get(30, TimeUnit.SECONDS) ? 1 : 0;
          } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).hasMessage("this work fails after writing");
            failed++;
          }
        }
        assertThat(won).isEqualTo(1);
        assertThat(failed).isEqualTo(1);
        assertThat(new JdbcIdentityRepository(db).find("partial")).as("the failed work was rolled back").isEmpty();
        assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.CLAIMED);
      } finally {
        release.countDown();
        pool.shutdownNow();
      }
    }
  }

  private static Grant seed(Database db, Instant now, int i) {
    String up = String.format("up_%032d", i);
    String f = String.format("f_%032d", i);
    Enrolled.identities(db, "alice", "bob");
    new JdbcUploadRepository(db).createWithin(new Upload(up, "alice", UploadState.OPEN, 0, 0, now, now, null, true), 1, Enrolled.credential("alice"));
    new JdbcUploadRepository(db).commit(up, new StoredFile(f, "alice", 10, "ab".repeat(32), List.of(), now), now,
        Enrolled.credential("alice"));
    Grant g = new Grant(String.format("g_%032d", i), f, "alice", "bob", GrantState.ACTIVE, now,
        now.plus(Duration.ofHours(1)), 1, 0, 10, "ab".repeat(32));
    new JdbcGrantRepository(db).create(g, String.format("%064x", i));
    return g;
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
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      for (int i = 0; i < n; i++) {
        grants.add(seed(db, now, i));
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
            return repo.claim(g.id(), Enrolled.credential("bob"), now, claimHash, now.plus(Duration.ofMinutes(5)), true);
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
