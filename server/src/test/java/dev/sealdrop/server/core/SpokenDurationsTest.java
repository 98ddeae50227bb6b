package dev.sealdrop.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Timeouts in messages: never "0 min" or "0 s" for one that is not zero (a stall timeout of 250 µs said "0 min"). */
class SpokenDurationsTest {
  @Test
  void wholeMinutesAreMinutesAndEverythingElseIsSecondsWithTheDecimalsItNeeds() {
    assertThat(Durations.spoken(Duration.ofMinutes(10))).isEqualTo("10 min");
    assertThat(Durations.spoken(Duration.ofSeconds(120))).isEqualTo("2 min");
    assertThat(Durations.spoken(Duration.ofSeconds(90))).isEqualTo("90 s");
    assertThat(Durations.spoken(Duration.ofMillis(1500))).isEqualTo("1.5 s");
    assertThat(Durations.spoken(Duration.ofMillis(500))).isEqualTo("0.5 s");
    assertThat(Durations.spoken(Duration.ofNanos(250_000))).isEqualTo("0.00025 s");
    assertThat(Durations.spoken(Duration.ofMinutes(1).plusNanos(1))).isEqualTo("60.000000001 s");
    assertThat(Durations.spoken(Duration.ofHours(2))).isEqualTo("120 min");
  }
}
