package dev.sealdrop.client.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Round AR: scrypt ran out of memory on the background unlock thread (a small -Xmx); the Error ended that thread with
 * a stack trace and the command waited in {@code await()} for ever. Whatever ends the unlock reaches the caller.
 */
class UnlockingTest {
  @Test
  void anErrorWhileUnlockingReachesTheCallerInsteadOfLeavingItWaiting() throws Exception {
    KeyStore.Unlocking unlocking = KeyStore.Unlocking.start(() -> {
      throw new OutOfMemoryError("Java heap space");
    });
    // the wait on its own thread, not CompletableFuture's default pool: that may have a single worker (JDK 25 on
    // one or two CPUs, JDK-8319447), where a task that blocks holds up every one queued behind it (as in
    // LockdownSwitchTest)
    ExecutorService waiter = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<Throwable> awaited = CompletableFuture.supplyAsync(() -> {
        try {
          unlocking.await();
          return null;
        } catch (Throwable t) {
          return t;
        }
      }, waiter);
      Throwable thrown = awaited.get(Duration.ofSeconds(20).toSeconds(), TimeUnit.SECONDS);
      assertThat(thrown).isInstanceOf(OutOfMemoryError.class).hasMessage("Java heap space");
    } finally {
      waiter.shutdownNow();
    }
  }

  @Test
  void aFailureOfTheUnlockIsThrownAsItself() {
    dev.sealdrop.client.failure.KeyStoreFailure wrong = new dev.sealdrop.client.failure.KeyStoreFailure(
        "WRONG_PASSPHRASE", "wrong passphrase", "try again");
    KeyStore.Unlocking unlocking = KeyStore.Unlocking.start(() -> {
      throw wrong;
    });
    assertThatThrownBy(unlocking::await).isSameAs(wrong);
  }
}
