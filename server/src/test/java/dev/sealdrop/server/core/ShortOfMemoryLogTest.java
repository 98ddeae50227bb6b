package dev.sealdrop.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.CapturedLog;
import org.junit.jupiter.api.Test;

/**
 * A call the server refuses as busy because it ran short of memory is said in its log, naming the OutOfMemoryError
 * (review DX: only the audit's ordinary "server-busy" told of it, so the operator, and the load test's check for an
 * OutOfMemoryError in the server's log, learned nothing); at most a line a second, counting the rest.
 */
class ShortOfMemoryLogTest {
  @Test
  void aRefusalForWantOfMemoryIsLoggedAtMostOnceASecond() throws Exception {
    Thread.sleep(1100); // a line another test's refusal logged does not hold this one back
    try (CapturedLog log = CapturedLog.ofRoot()) {
      for (int i = 0; i < 5; i++) {
        LimitExceededException e = LimitExceededException.shortOfMemory(new OutOfMemoryError("Direct buffer memory"));
        assertThat(e.reason()).isEqualTo(Reason.SERVER_BUSY);
      }
      assertThat(log.messages()).filteredOn(m -> m.contains("short of memory")).singleElement()
          .satisfies(m -> assertThat(m).contains("java.lang.OutOfMemoryError: Direct buffer memory"));
      Thread.sleep(1100);
      LimitExceededException.shortOfMemory(new OutOfMemoryError("Java heap space"));
      assertThat(log.messages()).filteredOn(m -> m.contains("short of memory")).hasSize(2).last()
          .satisfies(m -> assertThat(m).contains("Java heap space").contains("(5 such refusal(s)"));
    }
  }
}
