package dev.sealdrop.audit;

import java.util.Objects;

/** One line of an audit log / export file (docs/audit-log.md, "Export file"). */
public sealed interface AuditLogEntry {

  /** The first line: format, origin and the log's audit public key (as the writer claims it). */
  record HeaderLine(String origin, AuditPublicKey key) implements AuditLogEntry {
    public HeaderLine {
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(key, "key");
    }
  }

  /** A record with the hash the writer stored beside it (recomputed and compared by the verifier). */
  record RecordLine(AuditRecord record, ChainHash hash) implements AuditLogEntry {
    public RecordLine {
      Objects.requireNonNull(record, "record");
      Objects.requireNonNull(hash, "hash");
    }
  }

  /** A signed checkpoint, placed right after the record whose sequence number is its size. */
  record CheckpointLine(SignedCheckpoint checkpoint) implements AuditLogEntry {
    public CheckpointLine {
      Objects.requireNonNull(checkpoint, "checkpoint");
    }
  }
}
