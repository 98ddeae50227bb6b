package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.IdentityRepository.Standing;
import dev.sealdrop.server.core.identity.Role;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one read that authenticates a call: each revocation is seen on its own, only for its own
 * identity or its own issuer and serial, and the registration comes with it, also when absent.
 */
class IdentityStandingTest {
  private static final String CA = "CN=sealdrop dev CA";
  private static final String OTHER_CA = "CN=another CA";
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir
  Path dir;

  @Test
  void anUnknownIdentityHasNoRegistrationAndNoRevocation() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
      assertThat(repo.standing("nobody", CA, "1a")).isEqualTo(new Standing(false, false, Optional.empty()));
    }
  }

  @Test
  void theRegistrationIsReadWithTheRevocations() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
      repo.upsert(new Identity("bob", Role.ACQUIRER, true), NOW);
      repo.upsert(new Identity("carol", Role.TRANSFEROR, false), NOW);
      assertThat(repo.standing("bob", CA, "1a"))
          .isEqualTo(new Standing(false, false, Optional.of(new Identity("bob", Role.ACQUIRER, true))));
      assertThat(repo.standing("carol", CA, "1b"))
          .isEqualTo(new Standing(false, false, Optional.of(new Identity("carol", Role.TRANSFEROR, false))));
    }
  }

  @Test
  void aRevokedCertificateIsMatchedByIssuerAndSerialOnly() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
      repo.upsert(new Identity("bob", Role.ACQUIRER, true), NOW);
      repo.revokeCertificate(CA, "1a", NOW);
      assertThat(repo.standing("bob", CA, "1a").certificateRevoked()).isTrue();
      assertThat(repo.standing("bob", CA, "1a").identityRevoked()).isFalse();
      assertThat(repo.standing("bob", CA, "1a").identity()).isPresent();
      assertThat(repo.standing("bob", CA, "1b").certificateRevoked()).as("another serial").isFalse();
      assertThat(repo.standing("bob", OTHER_CA, "1a").certificateRevoked()).as("another issuer").isFalse();
    }
  }

  @Test
  void aCertificateRevokedAsAnIdentitysIsMatchedOnlyForThatIdentityAndSerial() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
      repo.upsert(new Identity("bob", Role.ACQUIRER, true), NOW);
      repo.upsert(new Identity("dave", Role.ACQUIRER, true), NOW);
      repo.revokeCertificateOf("dave", "1a", NOW);
      assertThat(repo.standing("dave", CA, "1a").certificateRevoked()).isTrue();
      assertThat(repo.standing("dave", CA, "1a").identityRevoked()).isFalse();
      assertThat(repo.standing("dave", CA, "1b").certificateRevoked()).as("another serial").isFalse();
      assertThat(repo.standing("bob", CA, "1a").certificateRevoked()).as("another identity's certificate").isFalse();
    }
  }

  @Test
  void aRevokedIdentityIsSeenForEveryCertificateAndOnlyForItself() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      JdbcIdentityRepository repo = new JdbcIdentityRepository(db);
      repo.upsert(new Identity("bob", Role.ACQUIRER, true), NOW);
      repo.upsert(new Identity("dave", Role.ACQUIRER, true), NOW);
      repo.revokeIdentity("bob", NOW);
      Standing bob = repo.standing("bob", CA, "99");
      assertThat(bob.identityRevoked()).isTrue();
      assertThat(bob.certificateRevoked()).isFalse();
      assertThat(bob.identity()).contains(new Identity("bob", Role.ACQUIRER, false));
      assertThat(repo.standing("dave", CA, "99").identityRevoked()).isFalse();
      assertThat(repo.standing("bo", CA, "99").identityRevoked()).as("a prefix is another name").isFalse();
    }
  }
}
