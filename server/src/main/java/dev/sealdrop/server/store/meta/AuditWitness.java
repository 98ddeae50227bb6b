package dev.sealdrop.server.store.meta;

import java.time.Instant;
import java.util.Optional;

/**
 * The latest checkpoint the audit log signed, kept in the database (table {@code audit_witness}, V49) as a party keeps
 * a held checkpoint: the next start requires the log to hold it ({@code FileAudit}), so a log cut back or replaced by
 * an older copy while the server was stopped is refused, instead of being taken for a crash's unsigned tail and signed
 * again at sizes it had signed with other heads (round BV). Kept at start, once a minute and at a clean stop; a log cut
 * within the last minute's records is found only by the parties' held checkpoints, as before.
 */
public final class AuditWitness {
  /** A kept checkpoint: the verifier key that signed it ({@code AuditPublicKey.encoded()}) and its signed note. */
  public record Kept(String verifierKey, long size, String note) {}

  private final Jdbc jdbc;

  public AuditWitness(Database db) {
    this.jdbc = new Jdbc(db);
  }

  /** The checkpoint kept last, if any. */
  public Optional<Kept> find() {
    return jdbc.queryOne("SELECT verifier_key, size, note FROM audit_witness WHERE id = 1",
        rs -> new Kept(rs.getString(1), rs.getLong(2), rs.getString(3)));
  }

  /**
   * Keeps {@code checkpoint} if it covers more records than the one kept, or was signed by another key (a new log
   * started on purpose, with a new key); returns whether it was kept.
   */
  public boolean keep(Kept checkpoint, Instant at) {
    return jdbc.inTransaction(c -> {
      int changed = Jdbc.update(c, "UPDATE audit_witness SET verifier_key = ?, size = ?, note = ?, kept_at = ?"
          + " WHERE id = 1 AND (verifier_key <> ? OR size < ?)", checkpoint.verifierKey(), checkpoint.size(),
          checkpoint.note(), at.toEpochMilli(), checkpoint.verifierKey(), checkpoint.size());
      if (changed == 1) {
        return true;
      }
      if (!Jdbc.query(c, "SELECT 1 FROM audit_witness WHERE id = 1", rs -> rs.getInt(1)).isEmpty()) {
        return false;
      }
      Jdbc.update(c, "INSERT INTO audit_witness (id, verifier_key, size, note, kept_at) VALUES (1, ?, ?, ?, ?)",
          checkpoint.verifierKey(), checkpoint.size(), checkpoint.note(), at.toEpochMilli());
      return true;
    });
  }
}
