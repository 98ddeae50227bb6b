package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.event;
import static dev.sealdrop.audit.AuditFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group commit of {@link Durability#GROUP_COMMIT}, watched through its fsync: an append is
 * acknowledged only after an fsync that began once its bytes were written; appends written while an
 * fsync runs share the next one; a checkpoint is reported durable only once its fsync ended; a
 * failed fsync (an I/O error or anything else) fails its waiters, is never retried, and closes the log.
 */
class AuditGroupCommitTest {
  @TempDir Path dir;

  /** An fsync that can be held: once {@link #arm armed}, the next call waits for {@link #release} (and may then fail). */
  private static final class HeldFsync implements AuditLogWriter.Fsync {
    final AtomicInteger callsSinceArmed = new AtomicInteger();
    final CountDownLatch heldStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean holdNext = new AtomicBoolean();
    private volatile Throwable failWith;

    void arm(Throwable fail) {
      failWith = fail;
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
        Throwable t = failWith;
        if (t instanceof IOException io) {
          throw io;
        }
        if (t instanceof RuntimeException re) {
          throw re;
        }
        if (t instanceof Error err) {
          throw err;
        }
      }
      fd.sync();
    }
  }

  @Test
  void anAppendWrittenDuringAnFsyncWaitsForTheNextOne() throws Exception {
    HeldFsync fsync = new HeldFsync();
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("a.jsonl"), 1000), key(1), fsync)) {
      List<CompletableFuture<AuditRecord>> appends = secondAppendWrittenDuringTheFirstsFsync(w, fsync, null);
      CompletableFuture<AuditRecord> first = appends.get(0);
      CompletableFuture<AuditRecord> second = appends.get(1);

      Thread.sleep(50);
      assertThat(first).as("not acknowledged while its fsync runs").isNotDone();
      assertThat(second).as("written after that fsync began: not covered by it").isNotDone();
      fsync.release.countDown();

      assertThat(first.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(1);
      assertThat(second.get(10, TimeUnit.SECONDS).sequence()).isEqualTo(2);
      assertThat(fsync.callsSinceArmed.get()).as("the held fsync, then one for the second record").isEqualTo(2);
    }
  }

  @Test
  void appendsWrittenDuringAnFsyncShareOneFsync() throws Exception {
    HeldFsync fsync = new HeldFsync();
    int waiting = 16;
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("b.jsonl"), 1000), key(1), fsync)) {
      fsync.arm(null);
      CompletableFuture<AuditRecord> first = onOwnThread(() -> w.append(event(0)));
      assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
      List<CompletableFuture<AuditRecord>> others = new ArrayList<>();
      for (int i = 1; i <= waiting; i++) {
        int n = i;
        others.add(onOwnThread(() -> w.append(event(n))));
      }
      waitUntil(() -> w.size() == waiting + 1); // the chain's lock is not held during an fsync
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
  void aCheckpointIsReportedDurableOnlyOnceItsFsyncEnded() throws Exception {
    HeldFsync fsync = new HeldFsync();
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("d.jsonl"), 1000), key(1), fsync)) {
      w.append(event(1));
      fsync.arm(null);
      CompletableFuture<SignedCheckpoint> checkpoint = onOwnThread(w::checkpoint);
      assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(w.latestCheckpoint()).as("written, not yet durable").isEmpty();
      fsync.release.countDown();

      SignedCheckpoint signed = checkpoint.get(10, TimeUnit.SECONDS);
      assertThat(w.latestCheckpoint()).contains(signed);
    }
  }

  @Test
  void aFailedFsyncFailsItsWaitersIsNeverRetriedAndMarksNothingDurable() throws Exception {
    HeldFsync fsync = new HeldFsync();
    // a checkpoint after every record, so that the failed fsync's range holds one
    AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("c.jsonl"), 1), key(1), fsync);
    IOException injected = new IOException("injected: the disk refused the fsync");
    List<CompletableFuture<AuditRecord>> appends = secondAppendWrittenDuringTheFirstsFsync(w, fsync, injected);
    fsync.release.countDown();

    for (CompletableFuture<AuditRecord> f : appends) {
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .hasRootCause(injected);
    }
    assertThat(fsync.callsSinceArmed.get()).as("no fsync after a failed one").isEqualTo(1);
    assertThat(w.latestCheckpoint()).as("the checkpoint in the failed range is not durable").isEmpty();
    assertThatThrownBy(() -> w.append(event(3))).isInstanceOf(IOException.class).hasMessageContaining("unavailable");
    assertThatThrownBy(w::checkpoint).isInstanceOf(IOException.class);
    w.close(); // releases the file; a failed log writes no final checkpoint
  }

  @Test
  void anFsyncThatEndsAbnormallyStrandsNoWaiterAndClosesTheLog() throws Exception {
    HeldFsync fsync = new HeldFsync();
    AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(dir.resolve("e.jsonl"), 1000), key(1), fsync);
    IllegalStateException injected = new IllegalStateException("injected: not an I/O error");
    List<CompletableFuture<AuditRecord>> appends = secondAppendWrittenDuringTheFirstsFsync(w, fsync, injected);
    CompletableFuture<AuditRecord> first = appends.get(0);
    CompletableFuture<AuditRecord> second = appends.get(1);
    fsync.release.countDown();

    assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCause(injected);
    assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).as("woken, and refused")
        .isInstanceOf(ExecutionException.class).hasRootCause(injected);
    assertThat(fsync.callsSinceArmed.get()).as("its outcome is unknown: never retried").isEqualTo(1);
    assertThatThrownBy(() -> w.append(event(3))).isInstanceOf(IOException.class).hasMessageContaining("unavailable");
    w.close();
  }

  @Test
  void openingAnExistingLogFsyncsItBeforeCallingItsLastCheckpointDurable() throws Exception {
    Path file = dir.resolve("f.jsonl");
    // the previous process wrote records and a checkpoint; whether its last fsync ran is unknown
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(file, 2), key(1))) {
      w.append(event(1));
      w.append(event(2));
    }
    AtomicInteger fsyncs = new AtomicInteger();
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(file, 2), key(1), fd -> {
      fsyncs.incrementAndGet();
      fd.sync();
    })) {
      assertThat(w.latestCheckpoint()).isPresent();
      assertThat(fsyncs.get()).as("the reopened file was fsynced before anything relied on it").isEqualTo(1);
    }
  }

  /**
   * Appends record 1, whose fsync is held (and then fails with {@code fail}, if not null), and record
   * 2, written while that fsync is held: so record 2 waits for it rather than being refused on
   * arrival or covered by it. Returns both appends, still running.
   */
  private static List<CompletableFuture<AuditRecord>> secondAppendWrittenDuringTheFirstsFsync(AuditLogWriter w,
      HeldFsync fsync, Throwable fail) throws InterruptedException {
    fsync.arm(fail);
    CompletableFuture<AuditRecord> first = onOwnThread(() -> w.append(event(1)));
    assertThat(fsync.heldStarted.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<AuditRecord> second = onOwnThread(() -> w.append(event(2)));
    waitUntil(() -> w.size() == 2);
    return List.of(first, second);
  }

  /** Runs {@code work} on a thread of its own (a shared pool could be filled by blocked tasks). */
  private static <T> CompletableFuture<T> onOwnThread(Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(work.call());
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "audit-append-test");
    t.setDaemon(true);
    t.start();
    return f;
  }

  private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(deadline);
      Thread.sleep(2);
    }
  }
}
