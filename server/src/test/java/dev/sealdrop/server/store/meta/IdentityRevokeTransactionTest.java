package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round S: a crash between an identity's revocation and the revocation of its grants (two transactions) left the
 * identity revoked and its grants active for good, their recipients told that the sender was merely disabled. Both
 * are one transaction now: a failure while its grants are revoked leaves the identity as it was too.
 */
class IdentityRevokeTransactionTest {
  @TempDir
  Path dir;

  private static final Instant NOW = Instant.parse("2026-12-05T10:00:00Z");

  private static void execute(Database db, String sql) throws java.sql.SQLException {
    db.inTransaction(c -> {
      try (Statement s = c.createStatement()) {
        s.execute(sql);
      }
      return null;
    });
  }

  @Test
  void theIdentityAndItsGrantsAreRevokedTogetherOrNotAtAll() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = GrantCompareAndSetTest.seed(db, NOW, "erin");
      JdbcAdminRepository admin = new JdbcAdminRepository(db);
      JdbcIdentityRepository identities = new JdbcIdentityRepository(db);
      // the grants' revocation fails (as a crash would stop it) after the identity's row was changed
      execute(db, "CREATE TRIGGER fail_grant_revoke BEFORE UPDATE OF state ON grants WHEN NEW.state = 'REVOKED'"
          + " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
      assertThatThrownBy(() -> admin.revokeIdentityAndGrants("erin", NOW)).hasStackTraceContaining("injected failure");
      assertThat(identities.isIdentityRevoked("erin")).as("nothing of the failed revocation stays").isFalse();
      assertThat(new JdbcGrantRepository(db).find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);

      execute(db, "DROP TRIGGER fail_grant_revoke");
      assertThat(admin.revokeIdentityAndGrants("erin", NOW)).singleElement()
          .satisfies(e -> assertThat(e.revoked()).isTrue());
      assertThat(identities.isIdentityRevoked("erin")).isTrue();
      assertThat(new JdbcGrantRepository(db).find(g.id()).orElseThrow().state()).isEqualTo(GrantState.REVOKED);
    }
  }
}
