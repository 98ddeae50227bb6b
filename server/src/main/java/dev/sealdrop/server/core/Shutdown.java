package dev.sealdrop.server.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether the server is shutting down gracefully, and until when transfers already running may go
 * on: the one deadline ({@code shutdown-grace} after the start of the shutdown) that every door
 * drains against. From {@link #begin} on, no new upload or redeem starts, on any door
 * ({@link #check}: UNAVAILABLE, reason SHUTTING_DOWN, before anything is created or used up);
 * uploads and downloads in flight are not refused here, and finish or are cut at the deadline.
 */
public final class Shutdown {
  private volatile boolean begun;
  /** {@link System#nanoTime} at which the grace ends; set once, by {@link #begin}. */
  private volatile long deadline;

  /**
   * Starts the shutdown now; returns the deadline ({@link System#nanoTime} + {@code grace}). A second
   * call keeps the first deadline, so that a shutdown never grants two graces one after the other.
   */
  public synchronized long begin(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (!begun) {
      deadline = System.nanoTime() + Math.max(0, grace.toNanos());
      begun = true;
    }
    return deadline;
  }

  /** Whether the shutdown has begun. */
  public boolean begun() {
    return begun;
  }

  /** Nanoseconds left until the deadline (0 once it passed); throws if the shutdown has not begun. */
  public long remainingNanos() {
    if (!begun) {
      throw new IllegalStateException("the shutdown has not begun");
    }
    return Math.max(0, deadline - System.nanoTime());
  }

  /** Refuses {@code what} (a new upload or download: "uploading", "redeeming") once the shutdown has begun. */
  public void check(String what) {
    if (begun) {
      throw new UnavailableException(Reason.SHUTTING_DOWN, what + " is refused: the server is shutting down;"
          + " retry once it is back (nothing was used up)");
    }
  }
}
