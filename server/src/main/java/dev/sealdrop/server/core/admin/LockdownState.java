package dev.sealdrop.server.core.admin;

import java.time.Instant;
import java.util.Objects;

/** The lockdown switch: on or off, why, by whom, since when ({@link #NEVER} before the first change). */
public record LockdownState(boolean on, String reason, String changedBy, Instant changedAt) {
  public static final LockdownState NEVER = new LockdownState(false, "", "", Instant.EPOCH);

  public LockdownState {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(changedBy, "changedBy");
    Objects.requireNonNull(changedAt, "changedAt");
  }
}
