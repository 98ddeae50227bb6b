package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.identity.Credential;
import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.Role;
import java.time.Instant;

/**
 * Registers identities, enabled, straight in a database: the store writes an upload, a file and a claim only for
 * enabled identities and certificates not revoked (round AH), so the store-level tests enrol the names they use first
 * and act with {@link #credential}s.
 */
final class Enrolled {
  private Enrolled() {}

  static void identities(Database db, String... names) {
    JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
    for (String name : names) {
      repo.upsert(new Identity(name, Role.TRANSFEROR, true), Instant.EPOCH);
    }
  }

  /** The certificate of {@code name} the store-level tests act with: from the test CA, its serial the name's bytes. */
  static Credential credential(String name) {
    return new Credential(name, ISSUER, java.util.HexFormat.of().formatHex(name.getBytes(
        java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Another certificate of {@code name}, from the same CA. */
  static Credential otherCredential(String name) {
    return new Credential(name, ISSUER, "1" + credential(name).serialHex());
  }

  static final String ISSUER = "CN=sealdrop test CA";
}
