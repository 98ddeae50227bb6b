package dev.sealdrop.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OncePerMinuteTest {
  @Test
  void aKeyIsLoggedOnceAMinuteAndOthersOnTheirOwn() {
    AtomicLong now = new AtomicLong();
    OncePerMinute once = new OncePerMinute(now::get);
    assertThat(once.first("bob g_1")).isTrue();
    assertThat(once.first("bob g_1")).isFalse();
    assertThat(once.first("bob g_2")).isTrue();
    now.addAndGet(59_000_000_000L);
    assertThat(once.first("bob g_1")).isFalse();
    now.addAndGet(1_000_000_000L);
    assertThat(once.first("bob g_1")).isTrue();
  }

  @Test
  void pastItsBoundItForgetsRatherThanGrows() {
    OncePerMinute once = new OncePerMinute(() -> 0L);
    assertThat(once.first("kept")).isTrue();
    for (int i = 0; i < OncePerMinute.MAX_KEYS; i++) {
      once.first("k" + i);
    }
    assertThat(once.first("kept")).as("forgotten: a line more, never one less").isTrue();
  }
}
