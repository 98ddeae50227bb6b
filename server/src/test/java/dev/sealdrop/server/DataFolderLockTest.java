package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.store.fs.DataFolder;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round AQ: two servers started at the same instant on a new data folder both ran the database's migrations; the one
 * refused later, by the audit log's lock, was told to restore a healthy database from a backup (exit 1, not 3). The
 * data folder is now held before anything in it is opened: the second start is refused as the folder being in use.
 */
class DataFolderLockTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @TempDir
  Path dir;

  @Test
  void ofTwoStartsAtOnceOnANewFolderOneRunsAndTheOtherIsToldTheFolderIsHeld() throws Exception {
    for (int round = 0; round < 4; round++) {
      Path data = dir.resolve("data-" + round);
      CountDownLatch go = new CountDownLatch(1);
      List<CompletableFuture<TestServer>> starts = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        starts.add(CompletableFuture.supplyAsync(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return new TestServer(data);
        }, threads));
      }
      go.countDown();
      List<TestServer> running = new ArrayList<>();
      List<Throwable> refused = new ArrayList<>();
      for (CompletableFuture<TestServer> start : starts) {
        try {
          running.add(start.get(120, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          refused.add(e.getCause());
        }
      }
      try {
        assertThat(running).as("round %d: one server runs", round).hasSize(1);
        assertThat(refused).singleElement().satisfies(e -> assertThat(e).hasRootCauseInstanceOf(
            DataFolder.InUseException.class).hasStackTraceContaining("is held by another sealdrop server"));
      } finally {
        running.forEach(TestServer::close);
      }
      try (TestServer again = new TestServer(data)) {
        assertThat(again.port()).as("the folder is free once its server stopped").isPositive();
      }
    }
  }
}
