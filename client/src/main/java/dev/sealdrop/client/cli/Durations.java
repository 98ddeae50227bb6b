package dev.sealdrop.client.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parses grant lifetimes like {@code 72h}, {@code 30m}, {@code 7d}, {@code 1d12h}, {@code 2w}:
 * positive, whole units, at most 3650 days. A picocli converter, so a bad value is a usage error.
 */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
  static final Duration MAX = Duration.ofDays(3650);
  private static final Pattern WHOLE = Pattern.compile("^(\\d{1,7}[smhdw])+$");
  private static final Pattern PART = Pattern.compile("(\\d{1,7})([smhdw])");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  public static Duration parse(String value) {
    String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
    if (!WHOLE.matcher(v).matches()) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a duration; use a number and a unit: 30m, 72h, 7d, 2w, 1d12h");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(v);
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        case "d" -> Duration.ofDays(n);
        default -> Duration.ofDays(7 * n);
      });
      if (total.compareTo(MAX) > 0) {
        throw new CommandLine.TypeConversionException("'" + value + "' is longer than 3650 days");
      }
    }
    if (total.isZero()) {
      throw new CommandLine.TypeConversionException("'" + value + "' is zero; a grant must live a while");
    }
    return total;
  }
}
