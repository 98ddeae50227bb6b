package dev.sealdrop.server.core.grant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServedRangesTest {
  @Test
  void rangesReadOutOfOrderJoinOnceTheyTouch() {
    ServedRanges r = new ServedRanges();
    assertThat(r.runFrom(0)).isZero();
    r.add(700, 1000);
    assertThat(r.runFrom(0)).as("the end alone").isZero();
    r.add(0, 300);
    assertThat(r.runFrom(0)).isEqualTo(300);
    r.add(500, 600);
    assertThat(r.runFrom(0)).isEqualTo(300);
    r.add(250, 520); // overlaps two
    assertThat(r.runFrom(0)).isEqualTo(600);
    r.add(600, 700); // touches both neighbours
    assertThat(r.runFrom(0)).isEqualTo(1000);
    assertThat(r.runFrom(400)).isEqualTo(1000);
    r.add(5, 5); // empty
    assertThat(r.runFrom(1000)).isEqualTo(1000);
  }

  @Test
  void scatteredReadsPastTheLimitNeverOverstateTheRun() {
    ServedRanges r = new ServedRanges();
    for (int i = 0; i < 3 * ServedRanges.MAX_RANGES; i++) {
      r.add(10L * i + 5, 10L * i + 10); // gaps everywhere
    }
    r.add(0, 5);
    assertThat(r.runFrom(0)).isEqualTo(10);
    for (int i = 1; i < 3 * ServedRanges.MAX_RANGES; i++) {
      r.add(10L * i, 10L * i + 5); // the gaps filled: ranges past the limit were left out, so the run stops there
    }
    assertThat(r.runFrom(0)).isGreaterThan(10).isLessThan(30L * ServedRanges.MAX_RANGES);
  }
}
