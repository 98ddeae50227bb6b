package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.testing.DatabaseFile;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.security.KeyPair;
import java.util.HashSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /outbox and /inbox list more rows than one page of the core holds (1000): every row once, read a page at a time as
 * the client reads the folder on (session 58: each listing, and each stat of one name, read all of the caller's rows);
 * a stat of one name looks that row up.
 */
class SftpListingPagesTest extends OneServerPerClass {
  static final int EXTRA = 1500;
  static SshClient client;
  static KeyPair aliceKey;
  static KeyPair bobKey;
  static String fileId;
  static String grantId;

  @BeforeAll
  static void start() throws Exception {
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    aliceKey = registeredKey(clients, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
    fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(1000, 1), "bob").bytes())
        .getFileId();
    grantId = Transfers.grant(clients, "alice", fileId, "bob").getGrant().getGrantId();
    // copies of the file and the grant (rows only: a listing reads no blob), each a little older than the original;
    // the grants stay active, so that /inbox lists them
    DatabaseFile.execute(data, "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < " + EXTRA
        + ") INSERT INTO files (id, owner, size, fingerprint, recipient_fps, created_at) SELECT printf('f_%032x', n),"
        + " owner, size, fingerprint, recipient_fps, created_at - n FROM files, seq");
    DatabaseFile.execute(data, "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < " + EXTRA
        + ") INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
        + " max_downloads, downloads_used, updated_at) SELECT printf('g_%032x', n), file_id, owner, recipient,"
        + " printf('%064x', n), state, created_at - n, expires_at, max_downloads, downloads_used, updated_at"
        + " FROM grants, seq");
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
  }

  @Test
  void outboxListsEveryFileOnce() throws Exception {
    try (ClientSession s = login(client, server, "alice", aliceKey); SftpClient sftp = sftp(s)) {
      List<String> listed = names(sftp, "/outbox");
      assertThat(listed).hasSize(EXTRA + 1).contains(fileId, String.format("f_%032x", EXTRA));
      assertThat(new HashSet<>(listed)).as("each once").hasSize(EXTRA + 1);
      assertThat(sftp.stat("/outbox/" + String.format("f_%032x", 700)).getSize()).isEqualTo(
          sftp.stat("/outbox/" + fileId).getSize());
      assertThatThrownBy(() -> sftp.stat("/outbox/" + String.format("f_%032x", EXTRA + 1)))
          .satisfies(e -> assertThat(((SftpException) e).getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE));
    }
  }

  @Test
  void inboxListsEveryGrantOnce() throws Exception {
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      List<String> listed = names(sftp, "/inbox");
      assertThat(listed).hasSize(EXTRA + 1).contains(fileId + "." + grantId,
          fileId + "." + String.format("g_%032x", EXTRA));
      assertThat(new HashSet<>(listed)).as("each once").hasSize(EXTRA + 1);
      String copy = fileId + "." + String.format("g_%032x", 1200);
      assertThat(sftp.stat("/inbox/" + copy).getSize()).isPositive();
      // a grant id under another file's name is no entry
      assertThatThrownBy(() -> sftp.stat("/inbox/" + String.format("f_%032x", 3) + "." + grantId))
          .satisfies(e -> assertThat(((SftpException) e).getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE));
      assertThatThrownBy(() -> sftp.stat("/inbox/" + grantId))
          .satisfies(e -> assertThat(((SftpException) e).getStatus()).isEqualTo(SftpConstants.SSH_FX_NO_SUCH_FILE));
    }
  }
}
