package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.IdentityRepository;
import dev.sealdrop.server.core.identity.Role;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Identities and the certificate revocation list in SQL. */
public final class JdbcIdentityRepository implements IdentityRepository {
  private final Jdbc jdbc;

  public JdbcIdentityRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public Optional<Identity> find(String name) {
    return jdbc.queryOne("SELECT name, role, enabled FROM identities WHERE name = ?",
        rs -> new Identity(rs.getString(1), Role.parse(rs.getString(2)), rs.getBoolean(3)), name);
  }

  @Override
  public void upsert(Identity identity, Instant now) {
    jdbc.inTransaction(c -> {
      int n = Jdbc.update(c, "UPDATE identities SET role = ?, enabled = ?, updated_at = ? WHERE name = ?",
          identity.role().key(), identity.enabled(), now.toEpochMilli(), identity.name());
      if (n == 0) {
        insert(c, identity, now);
      }
      return null;
    });
  }

  @Override
  public boolean setEnabledUnlessRevoked(String name, boolean enabled, Instant now) {
    return jdbc.update("UPDATE identities SET enabled = ?, updated_at = ? WHERE name = ? AND enabled <> ?"
        + " AND NOT EXISTS (SELECT 1 FROM revoked_identities r WHERE r.name = identities.name)", enabled,
        now.toEpochMilli(), name, enabled) == 1;
  }

  @Override
  public Optional<String> insertUnlessTaken(Identity identity, Instant now) {
    return jdbc.inTransaction(c -> {
      // names are ASCII ([A-Za-z0-9._@-]), so SQL's LOWER folds them as Locale.ROOT does
      List<String> taken = Jdbc.query(c, "SELECT name FROM identities WHERE LOWER(name) = LOWER(?) UNION"
          + " SELECT name FROM revoked_identities WHERE LOWER(name) = LOWER(?)", rs -> rs.getString(1),
          identity.name(), identity.name());
      if (!taken.isEmpty()) {
        return Optional.of(taken.contains(identity.name()) ? identity.name() : taken.get(0));
      }
      insert(c, identity, now);
      return Optional.<String>empty();
    });
  }

  private static void insert(java.sql.Connection c, Identity identity, Instant now) throws java.sql.SQLException {
    Jdbc.update(c, "INSERT INTO identities (name, role, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        identity.name(), identity.role().key(), identity.enabled(), now.toEpochMilli(), now.toEpochMilli());
  }

  @Override
  public void revokeCertificate(String issuer, String serialHex, Instant now) {
    jdbc.inTransaction(c -> {
      if (Jdbc.query(c, "SELECT 1 FROM revoked_certificates WHERE issuer = ? AND serial = ?", rs -> 1, issuer,
          serialHex).isEmpty()) {
        Jdbc.update(c, "INSERT INTO revoked_certificates (issuer, serial, revoked_at) VALUES (?, ?, ?)", issuer,
            serialHex, now.toEpochMilli());
      }
      return null;
    });
  }

  @Override
  public boolean revokeCertificateOf(String identity, String serialHex, Instant now) {
    // revoked_certificate_owners (V30): the row the admin listing shows is also the revocation itself
    return jdbc.inTransaction(c -> {
      if (Jdbc.query(c, "SELECT 1 FROM revoked_certificate_owners WHERE identity = ? AND serial = ?", rs -> 1,
          identity, serialHex).isEmpty()) {
        Jdbc.update(c, "INSERT INTO revoked_certificate_owners (identity, serial, revoked_at) VALUES (?, ?, ?)",
            identity, serialHex, now.toEpochMilli());
        return true;
      }
      return false;
    });
  }

  @Override
  public void revokeIdentity(String name, Instant now) {
    jdbc.inTransaction(c -> {
      revokeIdentity(c, name, now);
      return null;
    });
  }

  /** {@link #revokeIdentity(String, Instant)} in the caller's transaction (with its grants: JdbcAdminRepository). */
  static void revokeIdentity(java.sql.Connection c, String name, Instant now) throws java.sql.SQLException {
    Jdbc.update(c, "UPDATE identities SET enabled = ?, updated_at = ? WHERE name = ?", false, now.toEpochMilli(), name);
    if (Jdbc.query(c, "SELECT 1 FROM revoked_identities WHERE name = ?", rs -> 1, name).isEmpty()) {
      Jdbc.update(c, "INSERT INTO revoked_identities (name, revoked_at) VALUES (?, ?)", name, now.toEpochMilli());
    }
  }

  @Override
  public void recordCertificate(String identity, String issuer, String serialHex, Instant now) {
    try {
      jdbc.inTransaction(c -> {
        if (Jdbc.query(c, "SELECT 1 FROM seen_certificates WHERE identity = ? AND issuer = ? AND serial = ?", rs -> 1,
            identity, issuer, serialHex).isEmpty()) {
          Jdbc.update(c, "INSERT INTO seen_certificates (identity, issuer, serial, first_seen) VALUES (?, ?, ?, ?)",
              identity, issuer, serialHex, now.toEpochMilli());
        }
        return null;
      });
    } catch (RuntimeException e) {
      // two first calls of one certificate at once: the other one's row is the same record
      if (certificatesWithSerial(serialHex).stream().noneMatch(s -> s.identity().equals(identity)
          && s.issuer().equals(issuer))) {
        throw e;
      }
    }
  }

  @Override
  public List<SeenCertificate> certificatesWithSerial(String serialHex) {
    return jdbc.query("SELECT identity, issuer, first_seen FROM seen_certificates WHERE serial = ? ORDER BY first_seen",
        rs -> new SeenCertificate(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))), serialHex);
  }

  @Override
  public boolean isIdentityRevoked(String name) {
    return jdbc.queryOne("SELECT 1 FROM revoked_identities WHERE name = ?", rs -> 1, name).isPresent();
  }

  @Override
  public Standing standing(String name, String issuer, String serialHex) {
    // portable SQL (SQLite and PostgreSQL): a SELECT without FROM, parameters only where typed by a column
    return jdbc.queryOne("SELECT EXISTS (SELECT 1 FROM revoked_identities WHERE name = ?),"
        + " " + CredentialConditions.CERTIFICATE_REVOKED + ","
        + " (SELECT role FROM identities WHERE name = ?), (SELECT enabled FROM identities WHERE name = ?)",
        rs -> new Standing(rs.getBoolean(1), rs.getBoolean(2), rs.getString(3) == null ? Optional.empty()
            : Optional.of(new Identity(name, Role.parse(rs.getString(3)), rs.getBoolean(4)))),
        name, issuer, serialHex, name, serialHex, name, name).orElseThrow();
  }
}
