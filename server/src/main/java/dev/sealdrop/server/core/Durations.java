package dev.sealdrop.server.core;

import java.math.BigDecimal;
import java.time.Duration;

/** Durations as messages show them to people, one rule for every configured timeout. */
public final class Durations {
  private Durations() {}

  /**
   * "10 min", "90 s", "0.5 s", "0.000250 s": whole minutes as minutes, anything else in seconds with as many decimals
   * as it needs (never "0 min" or "0 s" for a timeout that is not zero).
   */
  public static String spoken(Duration d) {
    long ms = d.toMillis();
    if (ms > 0 && ms % 60_000 == 0 && d.toNanos() % 1_000_000 == 0) {
      return ms / 60_000 + " min";
    }
    return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9)).stripTrailingZeros()
        .toPlainString() + " s";
  }

  /**
   * How often stalled downloads (or uploads) are looked for: a quarter of the timeout, at least 50 ms and at most 30 s,
   * so one is stopped at most that late; the server's sweep and the configuration check of claim-window use this one
   * rule.
   */
  public static long stallSweepMillis(Duration timeout) {
    return Math.max(50, Math.min(30_000, timeout.toMillis() / 4));
  }
}
