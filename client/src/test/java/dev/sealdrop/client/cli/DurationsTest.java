package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DurationsTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "0h", "72", "h", "-1h", "1.5h", "72 h", "1y", "3651d", "99999999h", "1h-", "PT1H"})
  void refusesMalformedZeroNegativeAndHuge(String text) {
    assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(CommandLine.TypeConversionException.class);
  }

  @Test
  void parsesUnitsAndCombinations() {
    assertThat(Durations.parse("30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(Durations.parse("72h")).isEqualTo(Duration.ofHours(72));
    assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
    assertThat(Durations.parse("2w")).isEqualTo(Duration.ofDays(14));
    assertThat(Durations.parse("1d12h")).isEqualTo(Duration.ofHours(36));
    assertThat(Durations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("3650d")).isEqualTo(Duration.ofDays(3650));
  }
}
