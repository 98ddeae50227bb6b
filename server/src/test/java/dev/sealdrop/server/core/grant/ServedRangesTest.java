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

  /** Bytes a door read ahead and never handed out are taken back, whatever ranges they cut through. */
  @Test
  void rangesNotHandedOutAreTakenBack() {
    ServedRanges r = new ServedRanges();
    r.add(0, 1000);
    r.remove(1, 1000); // read ahead past the first byte, never handed out
    assertThat(r.runFrom(0)).isEqualTo(1);
    assertThat(r.end(-1)).isEqualTo(1);
    r.add(100, 400);
    r.add(500, 900);
    r.remove(200, 300); // inside one range: split in two
    assertThat(r.runFrom(100)).isEqualTo(200);
    assertThat(r.runFrom(300)).isEqualTo(400);
    r.remove(350, 600); // across the end of one and the start of the next
    assertThat(r.runFrom(300)).isEqualTo(350);
    assertThat(r.runFrom(600)).isEqualTo(900);
    assertThat(r.runFrom(500)).isEqualTo(500);
    r.remove(600, 900); // a whole range, exactly
    assertThat(r.end(-1)).isEqualTo(350);
    r.remove(0, 10_000);
    assertThat(r.end(-1)).isEqualTo(-1);
    assertThat(r.runFrom(0)).isZero();
    r.remove(5, 5); // empty
    assertThat(r.end(7)).isEqualTo(7);
  }

  @Test
  void theGapsOfARangeAreWhatWasNotHandedOut() {
    ServedRanges r = new ServedRanges();
    assertThat(r.gaps(0, 10)).containsExactly(new long[] {0, 10});
    r.add(20, 30);
    r.add(40, 50);
    assertThat(r.gaps(0, 100)).containsExactly(new long[] {0, 20}, new long[] {30, 40}, new long[] {50, 100});
    assertThat(r.gaps(25, 45)).containsExactly(new long[] {30, 40});
    assertThat(r.gaps(20, 30)).isEmpty();
    assertThat(r.gaps(22, 28)).isEmpty();
    assertThat(r.gaps(30, 40)).containsExactly(new long[] {30, 40});
    assertThat(r.gaps(45, 60)).containsExactly(new long[] {50, 60});
  }
}
