package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.store.fs.DataFolder;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
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
  /**
   * Review EI: a server from before the folder's lock file takes only the audit log's lock; a new server started on its
   * folder took the folder lock, migrated the running server's database, and only then met the audit log's lock. The
   * audit log's lock held by another process is a held folder, before anything is opened.
   */
  @Test
  void anAuditLogLockedByAnotherProcessIsAHeldFolderBeforeTheDatabaseIsOpened() throws Exception {
    Path data = dir.resolve("old-server");
    new TestServer(data).close();
    Path holder = Files.writeString(dir.resolve("HoldLock.java"), "import java.nio.channels.FileChannel;"
        + " import java.nio.file.*; public class HoldLock { public static void main(String[] a) throws Exception {"
        + " try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {"
        + " c.lock(); System.out.println(\"locked\"); System.out.flush(); System.in.read(); } } }");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        holder.toString(), data.resolve("audit").resolve("audit.jsonl").toString()).start();
    try {
      assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine())
          .isEqualTo("locked");
      long dbBefore = Files.getLastModifiedTime(data.resolve("sealdrop.db")).toMillis();
      assertThatThrownBy(() -> new TestServer(data)).hasRootCauseInstanceOf(DataFolder.InUseException.class)
          .hasStackTraceContaining("is held by another sealdrop server");
      assertThat(Files.getLastModifiedTime(data.resolve("sealdrop.db")).toMillis()).isEqualTo(dbBefore);
    } finally {
      p.getOutputStream().close();
      p.waitFor(30, TimeUnit.SECONDS);
      p.destroyForcibly();
    }
    new TestServer(data).close(); // free again
  }

  /**
   * Round CR: a data folder the server's user may not write (or on a read-only file system) stopped the start with
   * `cannot start: DATA/sealdrop.lock` and nothing else, since the lock file is opened before the folder's check.
   */
  @Test
  void aDataFolderTheLockCannotBeWrittenIntoIsRefusedNamingTheSetting() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data-unwritable"));
    // root writes through any mode: a folder where the lock file goes fails its open as an unwritable folder does
    Path lockFolder = Files.createDirectory(data.resolve("sealdrop.lock"));
    assertThatThrownBy(() -> DataFolder.lock(data).close())
        .hasMessageContaining("cannot create or secure the data folder " + data)
        .hasMessageContaining("check the data setting (--data) and that the server's user may write there");
    Files.delete(lockFolder);
    if (!"root".equals(System.getProperty("user.name"))
        && Files.getFileAttributeView(data, PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("r-x------"));
      try {
        assertThatThrownBy(() -> DataFolder.lock(data).close())
            .hasMessageContaining("cannot create or secure the data folder " + data)
            .hasMessageContaining("permission denied");
      } finally {
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      }
    }
    DataFolder.lock(data).close(); // a refused start does not keep the folder held in this process
  }
}
