package dev.sealdrop.server.logging;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Says whether a log line about {@code key} is the first this minute: for lines whose keys are bounded by what the
 * server issued (a certificate from its CA, a grant), which must name who and what, and still not be repeated once a
 * call for as long as a caller loops. At most {@value #MAX_KEYS} keys are remembered; past that, the minute's record is
 * forgotten and starts again (a line more, never one less).
 */
public final class OncePerMinute {
  static final int MAX_KEYS = 10_000;
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  public OncePerMinute() {
    this(System::nanoTime);
  }

  OncePerMinute(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether a line about {@code key} should be written now: none was in the last minute. */
  public boolean first(String key) {
    long now = nanoTime.getAsLong();
    if (lastLogged.size() >= MAX_KEYS) {
      lastLogged.clear();
    }
    boolean[] first = {false};
    lastLogged.compute(key, (k, at) -> {
      if (at == null || now - at >= MINUTE_NANOS) {
        first[0] = true;
        return now;
      }
      return at;
    });
    return first[0];
  }
}
