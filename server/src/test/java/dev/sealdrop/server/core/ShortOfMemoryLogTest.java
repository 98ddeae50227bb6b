package dev.sealdrop.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.CapturedLog;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A call the server refuses as busy because it ran short of memory is said in its log, naming the OutOfMemoryError
 * (review DX: only the audit's ordinary "server-busy" told of it, so the operator, and the load test's check for an
 * OutOfMemoryError in the server's log, learned nothing); at most a line a second, counting the rest.
 */
class ShortOfMemoryLogTest {
  private static final int CALLS = 5;

  @Test
  void aRefusalForWantOfMemoryIsLoggedAtMostOnceASecond() throws Exception {
    // "one line for 5 calls" holds only if the 5 calls fall within the limiter's second (it reads System.nanoTime): on
    // a loaded machine this thread may be descheduled for longer in between, so a round that took a second or more is
    // not evidence either way and is tried again
    for (int round = 1; ; round++) {
      Thread.sleep(1100); // a line another test's refusal (or the last round) logged does not hold this one back
      try (CapturedLog log = CapturedLog.ofRoot()) {
        long start = System.nanoTime();
        for (int i = 0; i < CALLS; i++) {
          LimitExceededException e = LimitExceededException.shortOfMemory(new OutOfMemoryError("Direct buffer memory"));
          assertThat(e.reason()).isEqualTo(Reason.SERVER_BUSY);
        }
        long took = System.nanoTime() - start;
        if (took >= TimeUnit.MILLISECONDS.toNanos(1000)) {
          // at least the rate holds: no two lines within a second of each other, so at most one per second begun
          assertThat(log.messages()).filteredOn(m -> m.contains("short of memory")).isNotEmpty()
              .hasSizeLessThanOrEqualTo(1 + (int) (took / TimeUnit.SECONDS.toNanos(1)));
          assertThat(round).as("%d calls within a second, in 10 rounds", CALLS).isLessThan(10);
          continue;
        }
        assertThat(log.messages()).filteredOn(m -> m.contains("short of memory")).singleElement()
            .satisfies(m -> assertThat(m).contains("java.lang.OutOfMemoryError: Direct buffer memory"));
        Thread.sleep(1100);
        LimitExceededException.shortOfMemory(new OutOfMemoryError("Java heap space"));
        assertThat(log.messages()).filteredOn(m -> m.contains("short of memory")).hasSize(2).last()
            .satisfies(m -> assertThat(m).contains("Java heap space").contains("(" + CALLS + " such refusal(s)"));
        return;
      }
    }
  }
}
