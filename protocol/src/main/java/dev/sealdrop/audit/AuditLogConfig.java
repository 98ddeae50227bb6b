package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.Text;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of an {@link AuditLogWriter}, validated once here.
 *
 * @param file the JSON Lines log file (created with owner-only permissions if missing)
 * @param origin the log's origin, e.g. {@code sealdrop.example.com/audit/deal-42}: printable ASCII,
 *     no space or '+'; it is bound into h_0 and every checkpoint
 * @param durability when appends return (both modes fsync before returning)
 * @param checkpointEveryRecords sign a checkpoint after this many new records (1..1,000,000)
 * @param checkpointInterval also sign one when records are pending and this much time has passed
 *     (zero disables the timer; a checkpoint is still signed at close)
 * @param clock source of record times
 */
public record AuditLogConfig(Path file, String origin, Durability durability, int checkpointEveryRecords,
    Duration checkpointInterval, Clock clock) {

  public static final int DEFAULT_CHECKPOINT_EVERY_RECORDS = 1000;
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(60);

  public AuditLogConfig {
    Objects.requireNonNull(file, "audit config: file");
    if (!Text.isNoteName(origin)) {
      throw new IllegalArgumentException("audit config: origin must be 1..200 printable ASCII characters without space or '+'");
    }
    Objects.requireNonNull(durability, "audit config: durability");
    if (checkpointEveryRecords < 1 || checkpointEveryRecords > 1_000_000) {
      throw new IllegalArgumentException("audit config: checkpointEveryRecords must be 1..1000000, was " + checkpointEveryRecords);
    }
    Objects.requireNonNull(checkpointInterval, "audit config: checkpointInterval");
    if (checkpointInterval.isNegative() || (!checkpointInterval.isZero() && checkpointInterval.toMillis() < 10)) {
      throw new IllegalArgumentException("audit config: checkpointInterval must be zero (off) or at least 10 ms");
    }
    Objects.requireNonNull(clock, "audit config: clock");
  }

  /** Group commit, a checkpoint every 1000 records or 60 s, the system UTC clock. */
  public static AuditLogConfig defaults(Path file, String origin) {
    return new AuditLogConfig(file, origin, Durability.GROUP_COMMIT, DEFAULT_CHECKPOINT_EVERY_RECORDS,
        DEFAULT_CHECKPOINT_INTERVAL, Clock.systemUTC());
  }

  public AuditLogConfig withDurability(Durability d) {
    return new AuditLogConfig(file, origin, d, checkpointEveryRecords, checkpointInterval, clock);
  }

  public AuditLogConfig withCheckpointEvery(int records, Duration interval) {
    return new AuditLogConfig(file, origin, durability, records, interval, clock);
  }

  public AuditLogConfig withClock(Clock c) {
    return new AuditLogConfig(file, origin, durability, checkpointEveryRecords, checkpointInterval, c);
  }
}
