package dev.sealdrop.client.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** One shape for every time the CLI prints: three fractional digits, even when they are zero (Instant drops them). */
class TimestampsTest {
  @Test
  void aWholeSecondKeepsItsThreeFractionalDigits() {
    long whole = Instant.parse("2026-12-05T10:00:00Z").toEpochMilli();
    assertThat(Timestamps.ofMillis(whole)).isEqualTo("2026-12-05T10:00:00.000Z");
    assertThat(Timestamps.ofMillis(whole + 120)).isEqualTo("2026-12-05T10:00:00.120Z");
    assertThat(Timestamps.ofMillis(whole + 7)).isEqualTo("2026-12-05T10:00:00.007Z");
    assertThat(Instant.parse(Timestamps.ofMillis(whole + 7))).isEqualTo(Instant.ofEpochMilli(whole + 7));
  }
}
