package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
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
 * The limit on unfinished uploads per identity is held by the insert itself: concurrent creations
 * on two connection pools (as two server nodes sharing one database would) cannot pass it together,
 * closed uploads make room, and one owner's uploads never count against another's.
 */
class OpenUploadLimitTest {
  @TempDir
  Path dir;

  private static Upload open(String id, String owner) {
    Instant now = Instant.now();
    return new Upload("up_" + id, owner, UploadState.OPEN, 0, 0, now, now, null, true);
  }

  @Test
  void concurrentCreationsInsertNoMoreThanTheLimit() throws Exception {
    Path file = dir.resolve("meta.db");
    try (Database node1 = Database.openSqlite(file); Database node2 = Database.openSqlite(file)) {
      Enrolled.identities(node1, "alice");
      List<JdbcUploadRepository> repos = List.of(new JdbcUploadRepository(node1), new JdbcUploadRepository(node2));
      ExecutorService pool = Executors.newFixedThreadPool(40);
      CountDownLatch go = new CountDownLatch(1);
      try {
        List<Future<Boolean>> created = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          JdbcUploadRepository repo = repos.get(i % 2);
          Upload u = open(String.format("%032x", i), "alice");
          created.add(pool.submit(() -> {
            go.await();
            return repo.createWithin(u, 10, Enrolled.credential(u.owner()));
          }));
        }
        go.countDown();
        int n = 0;
        for (Future<Boolean> f : created) {
          n += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(n).as("creations that succeeded").isEqualTo(10);
      } finally {
        pool.shutdownNow();
      }
      assertThat(repos.get(0).countOpen("alice")).isEqualTo(10);
    }
  }

  @Test
  void aClosedUploadMakesRoomAndOwnersAreCountedApart() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Enrolled.identities(db, "alice", "bob");
      JdbcUploadRepository repo = new JdbcUploadRepository(db);
      assertThat(repo.createWithin(open("a".repeat(32), "alice"), 2, Enrolled.credential("alice"))).isTrue();
      assertThat(repo.createWithin(open("b".repeat(32), "alice"), 2, Enrolled.credential("alice"))).isTrue();
      assertThat(repo.createWithin(open("c".repeat(32), "alice"), 2, Enrolled.credential("alice"))).as("at the limit").isFalse();
      assertThat(repo.find("up_" + "c".repeat(32))).as("nothing inserted when refused").isEmpty();
      assertThat(repo.createWithin(open("d".repeat(32), "bob"), 2, Enrolled.credential("bob"))).as("another owner").isTrue();
      assertThat(repo.close("up_" + "a".repeat(32), UploadState.FAILED, Instant.now())).isTrue();
      assertThat(repo.createWithin(open("e".repeat(32), "alice"), 2, Enrolled.credential("alice"))).as("a closed upload made room").isTrue();
      assertThat(repo.countOpen("alice")).isEqualTo(2);
    }
  }
}
