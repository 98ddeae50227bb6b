package dev.sealdrop.client.cli.output;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;

/**
 * A time the server gives in milliseconds, as every command prints it: ISO 8601 in UTC with exactly three
 * fractional digits ({@code 2026-12-05T10:00:00.000Z}). {@link Instant#toString} drops the fraction when it is zero,
 * so one column or JSON field came in two shapes (outside test); a script splitting on the fixed width broke.
 */
public final class Timestamps {
  private static final DateTimeFormatter MILLIS = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

  private Timestamps() {}

  /** {@code epochMillis} in the one shape. */
  public static String ofMillis(long epochMillis) {
    return MILLIS.format(Instant.ofEpochMilli(epochMillis));
  }
}
