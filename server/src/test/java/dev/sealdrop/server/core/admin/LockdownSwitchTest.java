package dev.sealdrop.server.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnavailableException;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.store.meta.JdbcAdminRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The switch returns only once the acts already past {@link Lockdown#within}'s check are written (round AE), and an
 * act that starts while it waits is refused at once, not queued behind it (round AH: an upload commit's fsyncs held
 * every new grant, redeem and upload until they ended).
 */
class LockdownSwitchTest {
  @TempDir
  Path dir;

  @Test
  void theSwitchWaitsForActsUnderWayAndRefusesNewOnesAtOnce() throws Exception {
    // own threads, not the common pool: since JDK 25 (JDK-8319447) CompletableFuture's default executor is the
    // common pool even at parallelism 1 (two CPUs), so the switch queued behind the act it must wait for
    ExecutorService threads = Executors.newCachedThreadPool();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Lockdown lockdown = new Lockdown(new JdbcAdminRepository(db));
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch finish = new CountDownLatch(1);
      CompletableFuture<String> underWay = CompletableFuture.supplyAsync(() -> lockdown.within("granting", () -> {
        inside.countDown();
        try {
          assertThat(finish.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "written";
      }), threads);
      assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<LockdownState> switching = CompletableFuture.supplyAsync(
          () -> lockdown.set(new LockdownState(true, "test", "carol", Instant.now())), threads);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!lockdown.state().on() && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      // the switch waits for the act under way ...
      Thread.sleep(200);
      assertThat(switching).as("the switch waits for the act under way").isNotDone();
      // ... and a new act is refused at once meanwhile, not queued behind the switch
      long before = System.nanoTime();
      UnavailableException refused = catchThrowableOfType(() -> lockdown.within("redeeming", () -> "claimed"),
          UnavailableException.class);
      assertThat(refused.reason()).isEqualTo(Reason.LOCKED_DOWN);
      assertThat(System.nanoTime() - before).as("refused without waiting").isLessThan(TimeUnit.SECONDS.toNanos(5));

      finish.countDown();
      assertThat(underWay.get(30, TimeUnit.SECONDS)).isEqualTo("written");
      assertThat(switching.get(30, TimeUnit.SECONDS).on()).as("what it replaced").isFalse();
      assertThat(new Lockdown(new JdbcAdminRepository(db)).state().on()).as("saved").isTrue();
    } finally {
      threads.shutdownNow();
    }
  }
}
