package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;
import java.util.HexFormat;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round DB: an upgrade, without an old jar. A database made at schema version 44 (the server of 2026-12-04, commit
 * 49ce20a2) by Flyway's {@code target}, holding what such a server wrote (a grant with downloads left, a revoked
 * identity's grant, an unfinished upload, the lockdown on), is migrated by the current server's start, which says so
 * (its log, and {@code server.start}'s {@code schema-migrated-from}), and then serves it: the lockdown holds, the grant
 * redeems and downloads the stored bytes and counts on from its count, the revoked identity stays out, and the upload
 * resumes from its offset.
 */
class UpgradeFromV44Test {
  private static final String TOKEN = "sdg_" + "Qk9i".repeat(10) + "a7Z";
  private static final String FILE_ID = "f_" + "1".repeat(32);
  private static final String GRANT_ID = "g_" + "2".repeat(32);
  private static final String DAVES_GRANT_ID = "g_" + "3".repeat(32);
  private static final String UPLOAD_ID = "up_" + "4".repeat(32);

  @TempDir
  Path data;

  @Test
  void aDatabaseOfSchema44WithDataIsMigratedSaidAndServed() throws Exception {
    Users.Sealed stored = Users.seal("alice", Users.randomBytes(300_000, 44), "bob");
    Users.Sealed unfinished = Users.seal("alice", Users.randomBytes(900_000, 45), "bob");
    int kept = 512 * 1024;
    writeSchema44Server(stored, unfinished, kept);

    TestServer server;
    try (CapturedLog serverLog = CapturedLog.ofRoot()) {
      server = new TestServer(data);
      // the operator is told, and so is the audit log's reader (round DB: an upgrade was said nowhere)
      assertThat(serverLog.messages()).anySatisfy(m -> assertThat(m).contains("migrated from schema version 44 to ")
          .contains("restore the backup of the data folder taken before the upgrade"));
    }
    try (Clients clients = server.clients(); AdminClients admins = new AdminClients(server)) {
      String log = Files.readString(data.resolve("audit/audit.jsonl"), StandardCharsets.UTF_8);
      assertThat(log).contains("\"schema-migrated-from\":\"44\"")
          .containsPattern("\"schema\":\"(4[5-9]|[5-9][0-9])\"");

      // the lockdown the old server was left in holds
      StatusRuntimeException locked = catchThrowableOfType(() -> redeem(clients), StatusRuntimeException.class);
      assertThat(locked.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(false).setReason("upgraded").build());

      // the grant redeems, serves the stored bytes and counts on from the download it had used
      RedeemResponse claim = redeem(clients);
      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(stored.bytes());
      Transfers.confirm(clients, "bob", claim.getClaimId(), stored.fingerprint());
      assertThat(column("SELECT downloads_used FROM grants WHERE id = ?", GRANT_ID)).isEqualTo("2");

      // the identity revoked before the upgrade stays out, and so does its grant
      assertThat(catchThrowableOfType(() -> clients.transfer("dave").listInbox(
          dev.sealdrop.protocol.v1.ListInboxRequest.getDefaultInstance()), StatusRuntimeException.class)).isNotNull();
      assertThat(column("SELECT state FROM grants WHERE id = ?", DAVES_GRANT_ID)).isEqualTo("REVOKED");

      // the unfinished upload resumes from its offset and commits
      Users.publish(clients, server.pki, "alice");
      assertThat(clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(UPLOAD_ID).build())
          .getCommittedOffset()).isEqualTo(kept);
      UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", UPLOAD_ID, unfinished.bytes(), kept,
          unfinished.bytes().length, true));
      assertThat(done.getFileId()).startsWith("f_");
      assertThat(Files.readAllBytes(data.resolve("blobs").resolve(done.getFileId()))).isEqualTo(unfinished.bytes());
    } finally {
      server.close();
    }
  }

  private static RedeemResponse redeem(Clients clients) {
    return clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(TOKEN).build());
  }

  /** What the server of 2026-12-04 left: its schema (version 44), its rows, a stored file and an upload's part. */
  private void writeSchema44Server(Users.Sealed stored, Users.Sealed unfinished, int kept) throws Exception {
    Path db = data.resolve("sealdrop.db");
    Files.createDirectories(data.resolve("blobs"));
    Files.createDirectories(data.resolve("tmp"));
    Flyway.configure().dataSource("jdbc:sqlite:" + db, null, null).locations("classpath:db/migration").target("44")
        .load().migrate();
    long now = System.currentTimeMillis();
    long day = 86_400_000L;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      for (String[] who : new String[][] {{"alice", "transferor", "1"}, {"bob", "acquirer", "1"},
          {"carol", "admin", "1"}, {"dave", "acquirer", "0"}}) {
        update(c, "INSERT INTO identities (name, role, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            who[0], who[1], Integer.parseInt(who[2]), now - day, now - day);
      }
      update(c, "INSERT INTO revoked_identities (name, revoked_at) VALUES (?, ?)", "dave", now - 60_000);
      update(c, "INSERT INTO files (id, owner, size, fingerprint, recipient_fps, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          FILE_ID, "alice", stored.bytes().length, stored.fingerprint(), "", now - day);
      update(c, "INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
          + " max_downloads, downloads_used, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", GRANT_ID, FILE_ID,
          "alice", "bob", sha256(TOKEN), "ACTIVE", now - day, now + day, 3, 1, now - day);
      update(c, "INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
          + " max_downloads, downloads_used, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", DAVES_GRANT_ID,
          FILE_ID, "alice", "dave", sha256(TOKEN + "d"), "REVOKED", now - day, now + day, 1, 0, now - 60_000);
      update(c, "INSERT INTO uploads (id, owner, state, expected_size, committed_offset, created_at, updated_at,"
          + " file_id, resumable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", UPLOAD_ID, "alice", "OPEN",
          unfinished.bytes().length, kept, now - 60_000, now - 60_000, null, 1);
      update(c, "INSERT INTO lockdown (id, active, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?)", 1, 1,
          "upgrade window", "carol", now - 30_000);
    }
    Files.write(data.resolve("blobs").resolve(FILE_ID), stored.bytes());
    Files.write(data.resolve("tmp").resolve(UPLOAD_ID + ".part"), Arrays.copyOf(unfinished.bytes(), kept));
  }

  private String column(String sql, String id) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, id);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static void update(Connection c, String sql, Object... params) throws Exception {
    try (PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        st.setObject(i + 1, params[i]);
      }
      st.executeUpdate();
    }
  }

  private static String sha256(String secret) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(
        StandardCharsets.US_ASCII)));
  }
}
