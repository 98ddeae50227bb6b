package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.sshkey.SshKey;
import dev.sealdrop.server.core.sshkey.SshKeyRepository;
import dev.sealdrop.server.core.sshkey.SshPublicKey;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** SSH public keys in SQL (table {@code ssh_keys}, migrations V20 and V52). Keys are re-validated when read. */
public final class JdbcSshKeyRepository implements SshKeyRepository {
  private static final String COLUMNS = "SELECT identity, public_key, comment, certificate, added_at, ca_key FROM ssh_keys ";
  private final Jdbc jdbc;

  public JdbcSshKeyRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public boolean add(SshKey k) {
    return jdbc.inTransaction(c -> {
      if (!Jdbc.query(c, "SELECT fingerprint FROM ssh_keys WHERE fingerprint = ?", rs -> rs.getString(1),
          k.fingerprint()).isEmpty()) {
        return false;
      }
      Jdbc.update(c, "INSERT INTO ssh_keys (fingerprint, identity, algorithm, public_key, comment, certificate,"
          + " added_at, ca_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", k.fingerprint(), k.identity(), k.key().algorithm(),
          k.key().blob(), k.key().comment(), k.registeredWith(), k.addedAt().toEpochMilli(), k.caKey());
      return true;
    });
  }

  @Override
  public Optional<SshKey> find(String fingerprint) {
    return jdbc.queryOne(COLUMNS + "WHERE fingerprint = ?", JdbcSshKeyRepository::row, fingerprint);
  }

  @Override
  public List<SshKey> listByIdentity(String identity) {
    return jdbc.query(COLUMNS + "WHERE identity = ? ORDER BY added_at, fingerprint", JdbcSshKeyRepository::row,
        identity);
  }

  @Override
  public boolean rebind(SshKey k) {
    return jdbc.update("UPDATE ssh_keys SET certificate = ?, comment = ?, added_at = ?, ca_key = ? WHERE identity = ?"
        + " AND fingerprint = ?", k.registeredWith(), k.key().comment(), k.addedAt().toEpochMilli(), k.caKey(),
        k.identity(), k.fingerprint()) == 1;
  }

  @Override
  public boolean remove(String identity, String fingerprint) {
    return jdbc.update("DELETE FROM ssh_keys WHERE identity = ? AND fingerprint = ?", identity, fingerprint) == 1;
  }

  private static SshKey row(ResultSet rs) throws SQLException {
    return new SshKey(rs.getString(1), SshPublicKey.fromBlob(rs.getBytes(2), rs.getString(3)),
        Instant.ofEpochMilli(rs.getLong(5)), rs.getBytes(4), rs.getString(6));
  }
}
