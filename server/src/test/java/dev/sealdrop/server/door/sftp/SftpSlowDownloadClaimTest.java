package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A download slower than the claim window is not cut on SFTP either: the door serves most requests from its 1 MiB
 * read-ahead without asking the core for a chunk, so the client's requests themselves keep the claim open (outside
 * test: at 25 KB/s one read-ahead outlasted a short window and the download was cut with CLAIM_CLOSED).
 */
class SftpSlowDownloadClaimTest extends OneServerPerMethod {
  static final Duration WINDOW = Duration.ofMinutes(30);
  private static final int PIECE = 32 * 1024;
  SshClient client;
  KeyPair bobKey;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withClaimWindow(WINDOW);
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  @Test
  void requestsServedFromTheReadAheadKeepTheClaimOpen() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 83), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        got.write(buf, 0, sftp.read(h, got.size(), buf, 0, PIECE));
        server.clock.advance(WINDOW.multipliedBy(3).dividedBy(4));
        // within the first MiB, served from the read-ahead: a quarter of the window left, so it moves on
        got.write(buf, 0, sftp.read(h, got.size(), buf, 0, PIECE));
        server.clock.advance(WINDOW.multipliedBy(3).dividedBy(4)); // the first window ended half a window ago
        got.write(buf, 0, sftp.read(h, got.size(), buf, 0, PIECE));
        server.server().runMaintenance();
        assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
            .extracting(r -> r.action()).as("the claim was not given back").doesNotContain("grant.release");
        int n;
        while ((n = sftp.read(h, got.size(), buf, 0, PIECE)) > 0) {
          got.write(buf, 0, n);
        }
      }
      assertThat(got.toByteArray()).isEqualTo(envelope);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result())
          .contains("download.complete ok", "grant.consume ok").doesNotContain("grant.release ok");
    }
  }

  /**
   * A client that skips ahead and reads only the end has not been served the file: closing the handle gives the claim
   * back (nothing is used up), and the audit records what was served without a gap, not "0 to the end" (outside test:
   * the grant counted and the audit said the whole file was delivered). One that then reads from the start is served
   * the whole file and confirms it.
   */
  @Test
  void readingOnlyTheEndIsNotADeliveryOfTheFile() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 97), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      byte[] buf = new byte[PIECE];
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        assertThat(sftp.read(h, envelope.length - 100, buf, 0, 100)).isEqualTo(100);
        assertThat(sftp.read(h, envelope.length, buf, 0, PIECE)).as("end of file").isEqualTo(-1);
      }
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result())
          .contains("grant.release ok").doesNotContain("grant.consume ok", "download.complete ok");
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("download.abort")).singleElement()
          .satisfies(r -> assertThat(r.details()).containsEntry("from", "0").containsEntry("to", "0"));

      // the grant was given back: read from the start (the end first again, then everything), it is delivered
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        assertThat(sftp.read(h, envelope.length - 100, buf, 0, 100)).isEqualTo(100);
        int n;
        while ((n = sftp.read(h, got.size(), buf, 0, PIECE)) > 0) {
          got.write(buf, 0, n);
        }
      }
      assertThat(got.toByteArray()).isEqualTo(envelope);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result()).contains("download.complete ok", "grant.consume ok");
    }
  }

  /**
   * OpenSSH asks for every byte ahead, so on a slow link the door has served the last byte long before the client has
   * taken it in: the claim's confirmation window may pass (the download counts) before the client's CLOSE. That CLOSE
   * succeeds (outside test: "close remote: Permission denied", exit 1, for a complete file), as a gRPC client is told
   * "already counted".
   */
  @Test
  void aCloseAfterTheServedClaimWasCountedSucceeds() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(200_000, 89), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read);
      byte[] buf = new byte[PIECE];
      int n;
      while ((n = sftp.read(h, got.size(), buf, 0, PIECE)) > 0) {
        got.write(buf, 0, n);
      }
      server.clock.advance(WINDOW.plusSeconds(1));
      server.server().runMaintenance();
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.actor()).contains("grant.consume server");
      h.close(); // throws if the door answers the CLOSE with a failure
      assertThat(got.toByteArray()).isEqualTo(envelope);
    }
  }
}
