package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.client.failure.UsageFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DurationsTest {
  /** Each refusal says what is wrong with the value; all are BAD_EXPIRES and name what is accepted. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''           | is empty",
      "0            | is zero",
      "000          | is zero",
      "72           | has no unit",
      "0h           | is zero",
      "0s           | is zero",
      "0d0h         | is zero",
      "-1h          | is negative",
      "-1           | is negative",
      "-5s          | is negative",
      "1y           | has an unknown unit 'y'",
      "5ms          | has an unknown unit 'ms'",
      "2mo          | has an unknown unit 'mo'",
      "h            | is not a duration",
      "1.5h         | is not a duration",
      "72 h         | is not a duration",
      "1h-          | is not a duration",
      "PT1H         | is not a duration",
      "3651d        | is longer than 3650d",
      "315360001s   | is longer than 3650d",
      "522w         | is longer than 3650d",
      "3650d1s      | is longer than 3650d",
      "99999999d    | is longer than 3650d",
      "99999999999999999999999h | is longer than 3650d",
      "1h1h         | has the unit 'h' twice; give each unit once",
      "1d2d         | has the unit 'd' twice; give each unit once",
      "1d12h1h      | has the unit 'h' twice; give each unit once",
      "30m1h        | has 'h' after 'm'; combine the units largest first (w, d, h, m, s), e.g. 1d12h",
      "1s1w         | has 'w' after 's'; combine the units largest first (w, d, h, m, s), e.g. 1d12h"})
  void refusesEmptyUnitlessZeroNegativeUnknownUnitsAndHugeValuesSayingWhy(String text, String why) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOfSatisfying(UsageFailure.class, e -> {
      assertThat(e.reason()).isEqualTo("BAD_EXPIRES");
      assertThat(e.getMessage()).startsWith("--expires ").endsWith(why + (why.equals("is zero") ? "; a grant must"
          + " live at least 1s" : why.equals("is negative") ? "; a grant's lifetime is positive" : ""));
      assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("s, m, h, d, w").contains("from 1s to 3650d"));
    });
  }

  @Test
  void parsesEveryUnitCombinationsAndTheBoundaries() throws Exception {
    assertThat(Durations.parse("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("72h")).isEqualTo(Duration.ofHours(72));
    assertThat(Durations.parse("72H")).isEqualTo(Duration.ofHours(72));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(Durations.parse("1d12h")).isEqualTo(Duration.ofHours(36));
    assertThat(Durations.parse("3650d")).isEqualTo(Duration.ofDays(3650));
    assertThat(Durations.parse("315360000s")).isEqualTo(Duration.ofDays(3650));
    assertThat(Durations.parse("007d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("1w2d3h4m5s")).isEqualTo(Duration.ofDays(9).plusHours(3).plusMinutes(4).plusSeconds(5));
    assertThat(Durations.parse("1W1D")).isEqualTo(Duration.ofDays(8));
  }

  /** An upper-case M could be months as well as minutes: refused, with the way to write either. */
  @Test
  void anUpperCaseMIsRefusedAsAmbiguous() {
    for (String ambiguous : new String[] {"1M", "1H30M", "30M"}) {
      assertThatThrownBy(() -> Durations.parse(ambiguous)).as(ambiguous).isInstanceOfSatisfying(UsageFailure.class,
          e -> {
            assertThat(e.reason()).isEqualTo("BAD_EXPIRES");
            assertThat(e.getMessage()).contains("could mean minutes or months");
            assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("30m").contains("30d"));
          });
    }
  }
}
