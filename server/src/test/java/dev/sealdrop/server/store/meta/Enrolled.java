package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.Role;
import java.time.Instant;

/**
 * Registers identities, enabled, straight in a database: the store writes an upload, a file and a claim only for
 * enabled identities (round AH), so the store-level tests enrol the names they use first.
 */
final class Enrolled {
  private Enrolled() {}

  static void identities(Database db, String... names) {
    JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
    for (String name : names) {
      repo.upsert(new Identity(name, Role.TRANSFEROR, true), Instant.EPOCH);
    }
  }
}
