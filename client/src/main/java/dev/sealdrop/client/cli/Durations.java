package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parses grant lifetimes ({@code --expires}) like {@code 90s}, {@code 30m}, {@code 72h}, {@code 7d},
 * {@code 2w}, {@code 1d12h}: whole numbers with the units s, m, h, d, w (combined: each once, largest first; upper
 * case too, except M, which could mean months),
 * from 1 s to 3650 days (the server's {@code grant-max-lifetime} is the real limit). A picocli converter, so a bad value is
 * refused while parsing, before anything else; each refusal is the usage error {@code BAD_EXPIRES},
 * saying what is wrong with the value and what is accepted ({@link ErrorReporter} reports it as such).
 */
public final class Durations implements CommandLine.ITypeConverter<Duration> {
  static final Duration MAX = Duration.ofDays(3650);
  static final String ACCEPTED = "a number and a unit (s, m, h, d, w), e.g. 90s, 30m, 72h, 7d, 2w or 1d12h;"
      + " from 1s to 3650d, and at most the server's grant-max-lifetime (30d by default)";
  private static final Pattern WHOLE = Pattern.compile("^(\\d+[a-z]+)+$");
  private static final Pattern PART = Pattern.compile("(\\d+)([a-z]+)");
  /** The units in the order they combine in ({@code 1d12h}): each at most once. */
  private static final String LARGEST_FIRST = "wdhms";
  /** More digits than any lifetime up to {@link #MAX} needs in seconds: too long, whatever the unit. */
  private static final int MAX_DIGITS = 9;

  @Override
  public Duration convert(String value) throws UsageFailure {
    return parse(value);
  }

  public static Duration parse(String value) throws UsageFailure {
    String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
    if (v.isEmpty()) {
      throw refused("--expires is empty");
    }
    if (v.startsWith("-")) {
      throw refused("--expires " + value + " is negative; a grant's lifetime is positive");
    }
    if (v.chars().allMatch(ch -> ch == '0')) {
      throw refused("--expires " + value + " is zero; a grant must live at least 1s");
    }
    if (v.chars().allMatch(Character::isDigit)) {
      throw refused("--expires " + value + " has no unit");
    }
    if (value.trim().contains("M")) {
      // upper case works for every other unit, but M reads as months as often as minutes (outside test: 1M gave a
      // grant of one minute): refused rather than guessed
      throw new UsageFailure("BAD_EXPIRES", "--expires " + value + " uses 'M', which could mean minutes or months",
          "write minutes as lower-case m (30m); a month as days (30d)");
    }
    if (!WHOLE.matcher(v).matches()) {
      throw refused("--expires " + value + " is not a duration");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(v);
    int previous = -1;
    while (m.find()) {
      String digits = m.group(1).replaceFirst("^0+(?=.)", "");
      String unit = m.group(2);
      Duration part = switch (unit) {
        case "s" -> Duration.ofSeconds(1);
        case "m" -> Duration.ofMinutes(1);
        case "h" -> Duration.ofHours(1);
        case "d" -> Duration.ofDays(1);
        case "w" -> Duration.ofDays(7);
        default -> throw refused("--expires " + value + " has an unknown unit '" + unit + "'");
      };
      // 1h1h or 30m1h is most likely a typo (for 1h1m, 1h30m?): refused rather than summed
      int rank = LARGEST_FIRST.indexOf(unit);
      if (rank == previous) {
        throw refused("--expires " + value + " has the unit '" + unit + "' twice; give each unit once");
      }
      if (rank < previous) {
        throw refused("--expires " + value + " has '" + unit + "' after '" + LARGEST_FIRST.charAt(previous)
            + "'; combine the units largest first (w, d, h, m, s), e.g. 1d12h");
      }
      previous = rank;
      if (digits.length() > MAX_DIGITS) {
        throw tooLong(value);
      }
      total = total.plus(part.multipliedBy(Long.parseLong(digits)));
      if (total.compareTo(MAX) > 0) {
        throw tooLong(value);
      }
    }
    if (total.isZero()) {
      throw refused("--expires " + value + " is zero; a grant must live at least 1s");
    }
    return total;
  }

  private static UsageFailure tooLong(String value) {
    return refused("--expires " + value + " is longer than 3650d");
  }

  private static UsageFailure refused(String message) {
    return new UsageFailure("BAD_EXPIRES", message, "give " + ACCEPTED);
  }
}
