package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round S: an act commits to the database and is recorded right after, so a crash between the two left a grant, a
 * redeem, a consumed grant or a revoked identity with no record. After a crash, the start records each such act from
 * the database (detail {@code recovered}), and none that has its record; after a clean stop it looks for none.
 */
class UnrecordedActsTest {
  @TempDir
  Path data;

  private static List<Audit.Entry> recovered(TestServer server) throws Exception {
    return server.server().audit().tail(1_000).stream()
        .filter(e -> UnrecordedActs.RECOVERED.equals(e.details().get("recovered"))).toList();
  }

  @Test
  void aCrashBetweenCommitsAndTheirRecordsIsMadeGoodAtTheNextStart() throws Exception {
    try (TestServer server = new TestServer(data)) {
      String recordedGrant;
      String fileId;
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        Users.publish(clients, server.pki, "bob");
        Users.Sealed sealed = Users.seal("alice", Users.randomBytes(64 << 10, 7), "bob");
        UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
        fileId = file.getFileId();
        CreateGrantResponse g = Transfers.grant(clients, "alice", fileId, "bob");
        recordedGrant = g.getGrant().getGrantId();
        // a refused redeem of it is recorded (its object named): a refusal is no record of the redeem that happened
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> clients.transfer("dave").redeem(
            dev.sealdrop.protocol.v1.RedeemRequest.newBuilder().setToken(g.getToken()).build()))
            .hasMessageContaining("addressed to another identity");
        assertThat(server.server().audit().tail(20)).anySatisfy(e -> {
          assertThat(e.action() + " " + e.object()).isEqualTo("grant.redeem grant:" + recordedGrant);
          assertThat(e.result()).isEqualTo("not-recipient");
        });
      }
      // what the server committed and then died before recording (its own repositories, on its database file)
      Instant now = server.clock.instant();
      String unrecordedGrant = "g_" + "5".repeat(32);
      try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
        JdbcGrantRepository grants = new JdbcGrantRepository(db);
        Grant recorded = grants.find(recordedGrant).orElseThrow();
        grants.create(new Grant(unrecordedGrant, fileId, "alice", "bob", GrantState.ACTIVE, now,
            now.plus(Duration.ofHours(1)), 1, 0, recorded.size(), recorded.fingerprint()), "ee".repeat(32));
        assertThat(grants.claim(recordedGrant, Enrolled.credential("bob"), now, "0c".repeat(32), now.plusSeconds(600), true)).isTrue();
        assertThat(grants.confirm("0c".repeat(32), now)).isTrue();
        new JdbcIdentityRepository(db).revokeIdentity("dave", now);
        assertThat(new JdbcIdentityRepository(db).revokeCertificateOf("bob", "0a1b2c", now)).isTrue();
        new JdbcIdentityRepository(db).upsert(new dev.sealdrop.server.core.identity.Identity("zed",
            dev.sealdrop.server.core.identity.Role.ADMIN, true), now);
      }
      server.server().kill();
      // round V: a start that died before its recovery left only its own server.start after those acts, over a minute
      // later: the next start still finds them
      server.clock.advance(Duration.ofMinutes(2));
      dev.sealdrop.server.store.audit.FileAudit died = dev.sealdrop.server.store.audit.FileAudit.open(data,
          server.config().admin().auditOrigin(), 1000, Duration.ofHours(1), server.clock);
      died.record(Audit.SERVER, "server.start", "", "ok", "");
      // round W: and one that died halfway through its recovery: what it recorded is not the last act either
      died.record("alice", "grant.create", "grant:" + unrecordedGrant, "ok", "",
          java.util.Map.of("recovered", UnrecordedActs.RECOVERED, "at", now.toString()));
      died.close();

      server.start();
      List<Audit.Entry> made = recovered(server);
      assertThat(made).extracting(e -> e.action() + " " + e.object() + " by " + e.actor()).containsExactlyInAnyOrder(
          "grant.create grant:" + unrecordedGrant + " by alice",
          "grant.redeem grant:" + recordedGrant + " by bob",
          "grant.consume grant:" + recordedGrant + " by bob",
          "admin.identity.revoke identity:dave by " + Audit.SERVER,
          "admin.identity.add identity:zed by " + Audit.SERVER,
          "admin.certificate.revoke identity:bob by " + Audit.SERVER);
      assertThat(made).allSatisfy(e -> {
        assertThat(e.result()).isEqualTo("ok");
        assertThat(e.details()).containsKey("at");
      });
      // the acts that were recorded are not recorded again
      assertThat(server.server().audit().tail(1_000)).filteredOn(e -> e.action().equals("grant.create")
          && e.object().equals("grant:" + recordedGrant)).hasSize(1);
      assertThat(server.server().audit().tail(1_000)).filteredOn(e -> e.action().equals("upload.commit")).hasSize(1);

      // a clean stop leaves nothing to make good: the next start records nothing more
      server.close();
      server.start();
      assertThat(recovered(server)).hasSize(6);
    }
  }

  /**
   * Review RE: a grant deleted with its file, or by retention, keeps a tombstone (who removed it, how and when), yet a
   * crash before the purge's record left the grant's history without its end; the next start records it from there,
   * and a purge that was recorded is not recorded again.
   */
  @Test
  void aGrantPurgeLostToACrashIsRecordedAtTheNextStart() throws Exception {
    try (TestServer server = new TestServer(data)) {
      String retired;
      String deleted;
      String recordedPurge;
      String deletedFile;
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        String[] files = new String[3];
        String[] grants = new String[3];
        for (int i = 0; i < 3; i++) {
          files[i] = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(4 << 10, 30 + i), "bob")
              .bytes()).getFileId();
          grants[i] = Transfers.grant(clients, "alice", files[i], "bob").getGrant().getGrantId();
        }
        retired = grants[0];
        deleted = grants[1];
        deletedFile = files[1];
        recordedPurge = grants[2];
        clients.transfer("alice").deleteFile(dev.sealdrop.protocol.v1.DeleteFileRequest.newBuilder()
            .setFileId(files[2]).build());
      }
      // what the server committed and then died before recording: a retention purge of one grant, an owner's delete
      Instant now = server.clock.instant();
      try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
        JdbcAdminRepository admin = new JdbcAdminRepository(db);
        assertThat(admin.deleteGrant(retired, GrantState.EXPIRED, now)).isTrue();
        assertThat(admin.deleteFile(deletedFile, "alice", dev.sealdrop.server.core.grant.PurgedGrant.Cause.OWNER, now))
            .isPresent();
      }
      server.server().kill();
      server.start();

      assertThat(recovered(server)).extracting(e -> e.action() + " " + e.object() + " by " + e.actor())
          .containsExactlyInAnyOrder("retention.purge-grant grant:" + retired + " by " + Audit.SERVER,
              "grant.purge grant:" + deleted + " by alice");
      assertThat(recovered(server)).filteredOn(e -> e.action().equals("grant.purge")).singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("cause", "file-deleted").containsEntry("file-id",
              deletedFile).containsEntry("state", "active"));
      assertThat(server.server().audit().tail(1_000)).filteredOn(e -> e.action().equals("grant.purge")
          && e.object().equals("grant:" + recordedPurge)).hasSize(1);
    }
  }

  /**
   * Review BQ: a redeem with the redeem key of the grant's open claim replaces that claim and records its release after
   * the commit; a crash in between left the release unrecorded, and the next start did not find it.
   */
  @Test
  void aClaimReplacedByARedeemWithItsKeyIsRecordedAtTheNextStartIfTheCrashCameBeforeItsRecord() throws Exception {
    String key = "sdr_" + "A".repeat(43);
    String grantId;
    String fileId;
    try (TestServer server = new TestServer(data)) {
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        Users.publish(clients, server.pki, "bob");
        Users.Sealed sealed = Users.seal("alice", Users.randomBytes(16 << 10, 3), "bob");
        fileId = Transfers.upload(clients, "alice", sealed.bytes()).getFileId();
        CreateGrantResponse g = Transfers.grant(clients, "alice", fileId, "bob");
        grantId = g.getGrant().getGrantId();
        clients.transfer("bob").redeem(dev.sealdrop.protocol.v1.RedeemRequest.newBuilder().setToken(g.getToken())
            .setRedeemKey(key).build());
      }
      // the replacement committed (as GrantService.redeem does it with the same key), and the server died before its
      // records
      Instant now = server.clock.instant().plusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
      try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
        assertThat(new JdbcGrantRepository(db).claimAgain(grantId, Enrolled.credential("bob"), now,
            java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII))), "0d".repeat(32), now.plusSeconds(600), true)).isPresent();
      }
      server.server().kill();
      server.start();
      List<Audit.Entry> made = recovered(server);
      assertThat(made).extracting(e -> e.action() + " " + e.object() + " by " + e.actor())
          .containsExactly("grant.release grant:" + grantId + " by bob");
      assertThat(made.get(0).details()).containsEntry("cause",
          dev.sealdrop.server.core.grant.GrantService.REDEEMED_AGAIN).containsEntry("grant-id", grantId)
          .containsEntry("file-id", fileId).containsEntry("at", now.toString());
      // once recorded, it is not recorded again: another crash, another start
      server.server().kill();
      server.start();
      assertThat(recovered(server)).hasSize(1);
    }
  }

  /**
   * Review EF: a consume lost to a crash was taken as recorded whenever the grant had any release record in the minute
   * before (only the third interrupted claim's release consumes a grant): a redeem-again's release hid it.
   */
  @Test
  void aConsumeLostToACrashIsRecoveredThoughARedeemAgainReleasedTheGrantBefore() throws Exception {
    String key = "sdr_" + "B".repeat(43);
    try (TestServer server = new TestServer(data)) {
      String grantId;
      String claimId;
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        Users.publish(clients, server.pki, "bob");
        String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(16 << 10, 4), "bob")
            .bytes()).getFileId();
        CreateGrantResponse g = Transfers.grant(clients, "alice", fileId, "bob");
        grantId = g.getGrant().getGrantId();
        dev.sealdrop.protocol.v1.RedeemRequest redeem = dev.sealdrop.protocol.v1.RedeemRequest.newBuilder()
            .setToken(g.getToken()).setRedeemKey(key).build();
        clients.transfer("bob").redeem(redeem);
        claimId = clients.transfer("bob").redeem(redeem).getClaimId(); // recorded: grant.release, redeemed-again
      }
      assertThat(server.server().audit().tail(20)).anySatisfy(e -> assertThat(e.action() + " " + e.details()
          .get("cause")).isEqualTo("grant.release " + dev.sealdrop.server.core.grant.GrantService.REDEEMED_AGAIN));
      // the confirm committed, and the server died before its record
      Instant now = server.clock.instant().plusSeconds(5);
      try (Database db = Database.openSqlite(data.resolve("sealdrop.db"))) {
        String claimHash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(claimId.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertThat(new JdbcGrantRepository(db).confirm(claimHash, now)).isTrue();
      }
      server.server().kill();
      server.start();
      assertThat(recovered(server)).extracting(e -> e.action() + " " + e.object())
          .contains("grant.consume grant:" + grantId);
    }
  }
}
