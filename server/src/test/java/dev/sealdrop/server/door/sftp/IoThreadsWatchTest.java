package dev.sealdrop.server.door.sftp;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The door's I/O threads all stuck made the door answer no new connection, silently, while gRPC ran on (a CI run saw
 * it for minutes): the sweep's watch says so once at ERROR with the threads' stacks, and says when they run again.
 */
class IoThreadsWatchTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void aPoolThatRunsNothingForHalfAMinuteIsLoggedOnceAndItsRecoveryToo() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CountDownLatch release = new CountDownLatch(1);
    try (CapturedLog log = CapturedLog.ofRoot()) {
      for (int i = 0; i < 2; i++) {
        pool.execute(() -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      IoThreadsWatch watch = new IoThreadsWatch(() -> pool);
      watch.check(0);
      watch.check(29 * SECOND);
      assertThat(errors(log)).as("not yet: a busy pool may take a while").isEmpty();
      watch.check(31 * SECOND);
      watch.check(60 * SECOND);
      assertThat(errors(log)).singleElement().satisfies(m -> assertThat(m).contains("the SFTP door's I/O threads have"
          + " run nothing for 31 s"));

      release.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (log.messages().stream().noneMatch(m -> m.contains("I/O threads run again"))) {
        assertThat(System.nanoTime()).as("the recovery was logged within 20 s").isLessThan(deadline);
        watch.check(61 * SECOND);
        Thread.sleep(10);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPoolThatRunsItsTasksIsNeverLoggedAndNoPoolIsNotChecked() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(1);
    try (CapturedLog log = CapturedLog.ofRoot()) {
      IoThreadsWatch watch = new IoThreadsWatch(() -> pool);
      for (int i = 0; i < 5; i++) {
        watch.check(i * 40 * SECOND);
        pool.submit(() -> { }).get(10, TimeUnit.SECONDS); // after the watch's own task
      }
      new IoThreadsWatch(() -> null).check(0);
      assertThat(errors(log)).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  private static java.util.List<String> errors(CapturedLog log) {
    return log.events().stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }
}
