package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

  private Grant seed(Database db) {
    JdbcUploadRepository uploads = new JdbcUploadRepository(db);
    uploads.createWithin(new Upload("up_" + "1".repeat(32), "erin", UploadState.OPEN, 0, 0, NOW, NOW, null, true), 1);
    uploads.commit("up_" + "1".repeat(32),
        new StoredFile("f_" + "1".repeat(32), "erin", 10, "ab".repeat(32), List.of(), NOW), NOW);
    Grant g = new Grant("g_" + "1".repeat(32), "f_" + "1".repeat(32), "erin", "bob", GrantState.ACTIVE, NOW,
        NOW.plus(Duration.ofHours(1)), 1, 0, 10, "ab".repeat(32));
    new JdbcGrantRepository(db).create(g, "cd".repeat(32));
    return g;
  }

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
      Grant g = seed(db);
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
