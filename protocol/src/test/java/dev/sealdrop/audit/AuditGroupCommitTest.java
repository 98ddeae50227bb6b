package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.event;
import static dev.sealdrop.audit.AuditFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group commit of {@link Durability#GROUP_COMMIT}, watched through its fsync: an append is
 * acknowledged only after an fsync that began once its bytes were written; appends that arrive
 * while an fsync runs share the next one; a failed fsync fails its waiters instead of stranding them.
 */
class AuditGroupCommitTest {
  private static final long QUIET_MS = 300;

  @TempDir Path dir;

  /** An fsync that can be held: once {@link #arm armed}, the next call waits for {@link #release} (and may then fail). */
  private static final class HeldFsync implements AuditLogWriter.Fsync {
    final AtomicInteger callsSinceArmed = new AtomicInteger();
    final CountDownLatch heldStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean holdNext = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean failTheHeldOne;

    void arm(boolean fail) {
      failTheHeldOne = fail;
      callsSinceArmed.set(0);
      holdNext.set(true);
    }

    @Override
    public void sync(java.io.FileDescriptor fd) throws IOException {
      callsSinceArmed.incrementAndGet();
      if (holdNext.compareAndSet(true, false)) {
        heldStarted.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        if (failTheHeldOne) {
          throw new IOException("injected: the disk refused the fsync");
        }
      }
      fd.sync();
    }
  }

  @Test
  void anAppendWrittenDuringAnFsyncWaitsForTheNextOne() throws Exception {
    HeldFsync fsync = new HeldFsync();
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("a.jsonl"), 1000), key(1), fsync)) {
      fsync.arm(false);
      CompletableFuture<AuditRecord> first = CompletableFuture.supplyAsync(() -> append(w, 1));
      assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<AuditRecord> second = CompletableFuture.supplyAsync(() -> append(w, 2));

      Thread.sleep(QUIET_MS);
      assertThat(first).as("not acknowledged while its fsync runs").isNotDone();
      assertThat(second).as("written after that fsync began: not covered by it").isNotDone();
      fsync.release.countDown();

      assertThat(first.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(1);
      assertThat(second.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(2);
      assertThat(fsync.callsSinceArmed.get()).as("the held fsync, then one for the second record").isEqualTo(2);
    }
  }

  @Test
  void appendsThatArriveDuringAnFsyncShareOneFsync() throws Exception {
    HeldFsync fsync = new HeldFsync();
    int waiting = 16;
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("b.jsonl"), 1000), key(1), fsync)) {
      fsync.arm(false);
      CompletableFuture<AuditRecord> first = CompletableFuture.supplyAsync(() -> append(w, 0));
      assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
      List<CompletableFuture<AuditRecord>> others = new ArrayList<>();
      for (int i = 1; i <= waiting; i++) {
        int n = i;
        others.add(CompletableFuture.supplyAsync(() -> append(w, n), runnable -> new Thread(runnable).start()));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (w.size() < waiting + 1 && System.nanoTime() < deadline) {
        Thread.sleep(5); // every record is written (the chain's lock is not held during an fsync)
      }
      assertThat(w.size()).isEqualTo(waiting + 1);
      assertThat(others).allMatch(f -> !f.isDone());
      fsync.release.countDown();

      first.get(10, TimeUnit.SECONDS);
      for (CompletableFuture<AuditRecord> f : others) {
        f.get(10, TimeUnit.SECONDS);
      }
      assertThat(fsync.callsSinceArmed.get()).as("one fsync covers all %d records written while the first ran", waiting)
          .isEqualTo(2);
    }
  }

  @Test
  void aFailedFsyncFailsEveryAppendWaitingForItAndTheLogRefusesMore() throws Exception {
    HeldFsync fsync = new HeldFsync();
    AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("c.jsonl"), 1000), key(1), fsync);
    fsync.arm(true);
    CompletableFuture<AuditRecord> first = CompletableFuture.supplyAsync(() -> append(w, 1));
    assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<AuditRecord> second = CompletableFuture.supplyAsync(() -> append(w, 2));
    Thread.sleep(QUIET_MS);
    fsync.release.countDown();

    for (CompletableFuture<AuditRecord> f : List.of(first, second)) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasStackTraceContaining("fsync");
    }
    assertThatThrownBy(() -> w.append(event(3))).isInstanceOf(IOException.class).hasMessageContaining("unavailable");
    assertThat(w.latestCheckpoint()).isEmpty();
    w.close(); // releases the file; a failed log writes no final checkpoint
  }

  private static AuditRecord append(AuditLogWriter w, int i) {
    try {
      return w.append(event(i));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
