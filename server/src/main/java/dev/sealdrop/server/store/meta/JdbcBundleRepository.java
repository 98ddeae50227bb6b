package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.keys.BundleRepository;
import dev.sealdrop.server.core.keys.StoredBundle;
import java.time.Instant;
import java.util.Optional;

/** Key bundles in SQL, stored byte for byte. */
public final class JdbcBundleRepository implements BundleRepository {
  private final Jdbc jdbc;

  public JdbcBundleRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public void put(StoredBundle b) {
    jdbc.inTransaction(c -> {
      int n = Jdbc.update(c, "UPDATE key_bundles SET bundle = ?, fingerprint = ?, published_at = ? WHERE identity = ?",
          b.encoded(), b.fingerprint(), b.publishedAt().toEpochMilli(), b.identity());
      if (n == 0) {
        Jdbc.update(c, "INSERT INTO key_bundles (identity, bundle, fingerprint, published_at) VALUES (?, ?, ?, ?)",
            b.identity(), b.encoded(), b.fingerprint(), b.publishedAt().toEpochMilli());
      }
      return null;
    });
  }

  @Override
  public Optional<StoredBundle> find(String identity) {
    return jdbc.queryOne("SELECT identity, bundle, fingerprint, published_at FROM key_bundles WHERE identity = ?",
        rs -> new StoredBundle(rs.getString(1), rs.getBytes(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))),
        identity);
  }
}
