package dev.sealdrop.audit;

/**
 * When {@link AuditLogWriter#append(AuditEvent)} may return. In both modes it returns only after
 * the record's line is on stable storage (fsync), so an acknowledged record is never lost.
 */
public enum Durability {
  /** Each append writes and fsyncs while holding the log's lock: simplest, one fsync per record. */
  FSYNC_EACH_RECORD,
  /**
   * Group commit: appends write under the lock and then wait for an fsync that covers their bytes;
   * one fsync serves every append that was written while the previous one ran. Same guarantee,
   * much higher throughput under concurrency.
   */
  GROUP_COMMIT
}
