package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.identity.Credential;
import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round AH: an upload's start and commit, and a redeem's claim, were checked against their identities' standing before
 * they were written, and written without it: a disable or revocation that returned in between did not stop the write.
 * The store now writes each only while its identities are enabled, in the statement that writes it (under SQLite's
 * write lock, after which an admin's disable or revocation cannot slip in).
 */
class DisabledIdentityWriteTest {
  @TempDir
  Path dir;

  private static void setEnabled(Database db, String name, boolean enabled) {
    new JdbcIdentityRepository(db).upsert(new Identity(name, Role.TRANSFEROR, enabled), Instant.EPOCH);
  }

  @Test
  void aClaimIsWrittenOnlyWhileItsRecipientAndItsOwnerAreEnabled() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = GrantCompareAndSetTest.seed(db, now, "alice");
      JdbcGrantRepository repo = new JdbcGrantRepository(db);
      setEnabled(db, "bob", false);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "01".repeat(32), now.plusSeconds(60), true))
          .as("recipient disabled").isFalse();
      setEnabled(db, "bob", true);
      new JdbcIdentityRepository(db).revokeIdentity("alice", now);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "02".repeat(32), now.plusSeconds(60), true))
          .as("owner revoked").isFalse();
      assertThat(repo.find(g.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
      assertThat(repo.listOpenClaims()).isEmpty();
      setEnabled(db, "alice", true);
      assertThat(repo.claim(g.id(), Enrolled.credential("bob"), now, "03".repeat(32), now.plusSeconds(60), true)).isTrue();
    }
  }

  @Test
  void anUploadIsStartedAndCommittedOnlyWhileItsOwnerIsEnabled() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Enrolled.identities(db, "alice");
      JdbcUploadRepository repo = new JdbcUploadRepository(db);
      Upload first = new Upload("up_" + "1".repeat(32), "alice", UploadState.OPEN, 0, 0, now, now, null, true);
      assertThat(repo.createWithin(first, 5, Enrolled.credential(first.owner()))).isTrue();
      setEnabled(db, "alice", false);
      assertThat(repo.createWithin(new Upload("up_" + "2".repeat(32), "alice", UploadState.OPEN, 0, 0, now, now,
          null, true), 5, Enrolled.credential("alice"))).as("owner disabled").isFalse();
      StoredFile file = new StoredFile("f_" + "1".repeat(32), "alice", 10, "ab".repeat(32), List.of(), now);
      assertThat(repo.commit(first.id(), file, now, Enrolled.credential(file.owner()))).as("owner disabled").isFalse();
      assertThat(repo.findFile(file.id())).as("no file row").isEmpty();
      assertThat(repo.find(first.id()).orElseThrow().state()).as("the upload untouched").isEqualTo(UploadState.OPEN);
      setEnabled(db, "alice", true);
      assertThat(repo.commit(first.id(), file, now, Enrolled.credential(file.owner()))).isTrue();
      assertThat(repo.findFile(file.id())).isPresent();
    }
  }

  /**
   * Round AJ: a certificate-only revocation (one serial; the identity stays enabled) did not condition the writes, so an
   * act past its identity check committed, claimed or granted with a certificate revoked meanwhile. Both records of a
   * revocation count: by issuer and serial, and as the identity's serial; another certificate of the identity still
   * acts.
   */
  @Test
  void nothingIsWrittenWithARevokedCertificateAndAnotherCertificateStillActs() throws Exception {
    Instant now = Instant.now();
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Grant g = GrantCompareAndSetTest.seed(db, now, "alice");
      JdbcGrantRepository grants = new JdbcGrantRepository(db);
      JdbcUploadRepository uploads = new JdbcUploadRepository(db);
      JdbcIdentityRepository identities = new JdbcIdentityRepository(db);
      Credential bobs = Enrolled.credential("bob");
      identities.revokeCertificate(bobs.issuer(), bobs.serialHex(), now);
      assertThat(grants.claim(g.id(), bobs, now, "01".repeat(32), now.plusSeconds(60), true))
          .as("claim with a certificate revoked by issuer and serial").isFalse();

      Credential alices = Enrolled.credential("alice");
      Upload open = new Upload("up_" + "2".repeat(32), "alice", UploadState.OPEN, 0, 0, now, now, null, true);
      assertThat(uploads.createWithin(open, 5, alices)).isTrue();
      assertThat(identities.revokeCertificateOf("alice", alices.serialHex(), now)).isTrue();
      assertThat(uploads.createWithin(new Upload("up_" + "3".repeat(32), "alice", UploadState.OPEN, 0, 0, now, now,
          null, true), 5, alices)).as("upload start with the identity's revoked serial").isFalse();
      StoredFile file = new StoredFile("f_" + "2".repeat(32), "alice", 10, "ab".repeat(32), List.of(), now);
      assertThat(uploads.commit(open.id(), file, now, alices)).as("commit with a revoked certificate").isFalse();
      assertThat(uploads.findFile(file.id())).isEmpty();
      Grant another = new Grant("g_" + "2".repeat(32), g.fileId(), "alice", "bob", GrantState.ACTIVE, now,
          now.plusSeconds(3600), 1, 0, 10, "ab".repeat(32));
      assertThat(grants.createWithin(another, "ef".repeat(32), 10, alices)).as("grant with a revoked certificate")
          .isFalse();
      assertThat(grants.find(another.id())).isEmpty();

      Credential alicesNew = Enrolled.otherCredential("alice");
      // round CU: a grant of a file deleted since the caller's check hit the foreign key (an internal error)
      Grant ofNoFile = new Grant("g_" + "3".repeat(32), "f_" + "9".repeat(32), "alice", "bob", GrantState.ACTIVE, now,
          now.plusSeconds(3600), 1, 0, 10, "ab".repeat(32));
      assertThat(grants.createWithin(ofNoFile, "fe".repeat(32), 10, alicesNew)).as("a file that is gone").isFalse();
      assertThat(uploads.commit(open.id(), file, now, alicesNew)).as("the identity's other certificate").isTrue();
      assertThat(grants.createWithin(another, "ef".repeat(32), 10, alicesNew)).isTrue();
      assertThat(grants.claim(g.id(), Enrolled.otherCredential("bob"), now, "02".repeat(32),
          now.plusSeconds(60), true)).isTrue();
    }
  }
}
