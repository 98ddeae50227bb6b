package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention lists the files no grant points at, then deletes them one by one: a grant made for
 * such a file in between (its owner granting it again) must keep the file and the grant. An
 * admin's purge deletes the file whatever grants it has.
 */
class RetentionFileDeleteTest {
  private static final String FILE = "f_" + "1".repeat(32);

  @TempDir
  Path dir;

  private static void seedFile(Database db, Instant at) {
    Enrolled.identities(db, "alice", "bob");
    JdbcUploadRepository uploads = new JdbcUploadRepository(db);
    uploads.createWithin(new Upload("up_" + "1".repeat(32), "alice", UploadState.OPEN, 0, 0, at, at, null, true), 1, Enrolled.credential("alice"));
    uploads.commit("up_" + "1".repeat(32), new StoredFile(FILE, "alice", 10, "ab".repeat(32), List.of(), at), at,
        Enrolled.credential("alice"));
  }

  private static Grant grant(Database db, Instant now) {
    Grant g = new Grant("g_" + "1".repeat(32), FILE, "alice", "bob", GrantState.ACTIVE, now,
        now.plus(Duration.ofHours(1)), 1, 0, 10, "ab".repeat(32));
    new JdbcGrantRepository(db).create(g, "cd".repeat(32));
    return g;
  }

  @Test
  void aFileGrantedAgainAfterRetentionListedItIsKeptWithItsGrant() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      seedFile(db, now.minus(Duration.ofDays(40)));
      JdbcAdminRepository admin = new JdbcAdminRepository(db);
      assertThat(admin.listUnreachableFiles(now.minus(Duration.ofDays(30)))).containsExactly(FILE);
      Grant g = grant(db, now); // the owner grants it while the sweep is between its list and its delete
      assertThat(admin.deleteFile(FILE, PurgedGrant.Cause.RETENTION, now)).isEmpty();
      assertThat(new JdbcUploadRepository(db).findFile(FILE)).isPresent();
      assertThat(new JdbcGrantRepository(db).find(g.id())).hasValueSatisfying(
          x -> assertThat(x.state()).isEqualTo(GrantState.ACTIVE));
      // an admin's purge is not about reachability: it deletes the file and its grant
      assertThat(admin.deleteFile(FILE, PurgedGrant.Cause.ADMIN, now)).hasValueSatisfying(
          deleted -> assertThat(deleted).extracting(Grant::id).containsExactly(g.id()));
      assertThat(new JdbcUploadRepository(db).findFile(FILE)).isEmpty();
    }
  }
}
