package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
   * The last bytes of the file count the claim, in whatever order they are read (protocol.md §5: they are never handed
   * out on a claim that is given back). Before, a client that read the end first, then the start, was served the whole
   * file, the claim was given back at close, and the same token did it again and again on a one-download grant
   * (outside test); and one that read only the end kept the grant too, so end and start could be had under two claims.
   * The audit says how far the bytes went ({@code to}) and, read out of order, where they ran without a gap.
   */
  @Test
  void theEndReadFirstCountsTheClaimWhateverTheOrder() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 97), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      byte[] buf = new byte[PIECE];
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        for (int at = envelope.length - 65_536, n; at < envelope.length; at += n) {
          n = sftp.read(h, at, buf, 0, PIECE); // the last 64 KiB first
          assertThat(n).isPositive();
        }
        int n;
        while (got.size() < envelope.length - 65_536
            && (n = sftp.read(h, got.size(), buf, 0, Math.min(PIECE, envelope.length - 65_536 - got.size()))) > 0) {
          got.write(buf, 0, n);
        }
      }
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result())
          .contains("download.complete ok", "grant.consume ok").doesNotContain("grant.release ok");
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("download.complete")).singleElement()
          .satisfies(r -> assertThat(r.details()).containsEntry("from", "0")
              .containsEntry("to", Integer.toString(envelope.length))
              // round AZ: every byte went, the end first: no gap (it said the first part alone ran without one)
              .doesNotContainKey("gap-free-to"));
      // used up: the same token opens nothing more
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .hasMessageContaining("GRANT_CONSUMED");
    }
  }

  /**
   * The last 64 bytes are only the sender's signature, the 16 before them the last chunk's tag (AES-GCM decrypts
   * without it), and every chunk opens on its own: a client that read all but those bytes and closed had the whole
   * plaintext, yet its claim was given back, again and again (outside tests). Reading to the end of the ciphertext
   * counts, and its CLOSE confirms; stopping one byte short of it gives the claim back.
   */
  @Test
  void readingAllButTheTagAndSignatureCountsTheClaim() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(300_000, 99), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    int lastChunkEnd = envelope.length - dev.sealdrop.envelope.Envelope.TAIL_WITHOUT_CIPHERTEXT_BYTES;
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      // one byte short of the last chunk's end: given back (an interrupted claim)
      readUpTo(sftp, grant.getToken(), lastChunkEnd - 1);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result()).contains("grant.release ok");
      // to the ciphertext's end: it counts, is not given back, and its close confirms it
      readUpTo(sftp, grant.getToken(), lastChunkEnd);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("grant.release")).hasSize(1);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result()).contains("download.complete ok", "grant.consume ok");
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .hasMessageContaining("GRANT_CONSUMED");
    }
  }

  /** A write on a /redeem/ handle opened for writing too is refused with a reason, and the download goes on. */
  @Test
  void aWriteOnADownloadHandleIsRefusedWithAReason() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(100_000, 101), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s);
        SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
      org.apache.sshd.sftp.common.SftpException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          org.apache.sshd.sftp.common.SftpException.class, () -> sftp.write(h, 0, new byte[10], 0, 10));
      assertThat(refused.getStatus()).isEqualTo(org.apache.sshd.sftp.common.SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(refused.getMessage()).contains("this handle reads a download; it cannot be written");
      byte[] buf = new byte[PIECE];
      assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);
    }
  }

  /** Opens the token and reads its bytes {@code [0, end)} in order, as a client stopping there would, then closes. */
  private static void readUpTo(SftpClient sftp, String token, int end) throws IOException {
    byte[] buf = new byte[PIECE];
    try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + token, SftpClient.OpenMode.Read)) {
      for (int at = 0, n; at < end; at += n) {
        n = sftp.read(h, at, buf, 0, Math.min(PIECE, end - at));
        assertThat(n).isPositive();
      }
    }
  }

  /**
   * Only the end read: counted too, so that the start cannot then be had under a second claim, but when the claim window
   * passes, as any claim whose last bytes went: its CLOSE is no delivery of every byte, so the door does not confirm it
   * (round AZ: it did, and the audit said a download was confirmed of which 100 bytes had been read).
   */
  @Test
  void readingOnlyTheEndCountsTheClaim() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(1 << 20, 98), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      byte[] buf = new byte[PIECE];
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        assertThat(sftp.read(h, envelope.length - 100, buf, 0, 100)).isEqualTo(100);
      }
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result()).doesNotContain("grant.consume ok", "grant.release ok");
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("download.complete")).singleElement()
          .satisfies(r -> assertThat(r.details()).containsEntry("to", Integer.toString(envelope.length))
              .containsEntry("gap-free-to", "0"));
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .as("still claimed: not given back").hasMessageContaining("GRANT_CLAIMED")
          // round BC: "get it again ... after its claim window" without saying the window then counts this claim
          .hasMessageContaining("it then counts as one of the grant's downloads");
      server.clock.advance(WINDOW.plusSeconds(1));
      server.server().runMaintenance();
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.actor()).contains("grant.consume server");
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .hasMessageContaining("GRANT_CONSUMED");
    }
  }

  /**
   * Round BB: one byte read at the start of each MiB made the door read ahead the whole file, and the close was
   * confirmed as a delivery of every byte. What counts for the close is what the client was handed.
   */
  @Test
  void aByteFromEachMibAndTheEndIsNoDeliveryOfTheWholeFile() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 96), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      byte[] buf = new byte[PIECE];
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        for (long at = 0; at < envelope.length - (1 << 20); at += 1 << 20) {
          assertThat(sftp.read(h, at, buf, 0, 1)).isEqualTo(1);
        }
        for (int at = envelope.length - 65_536, n; at < envelope.length; at += n) {
          n = sftp.read(h, at, buf, 0, PIECE);
          assertThat(n).isPositive();
        }
      }
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object))
          .extracting(r -> r.action() + " " + r.result()).doesNotContain("grant.consume ok", "grant.release ok");
      // the audit record says what the client was handed, not what the door read ahead for it (round CZ: it said the
      // whole file, without a gap): the bytes without a gap end after the first one
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("download.complete")).singleElement()
          .satisfies(r -> assertThat(r.details()).containsEntry("to", Integer.toString(envelope.length))
              .containsEntry("gap-free-to", "1"));
      assertThatThrownBy(() -> sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read).close())
          .as("claimed until its window passes, not confirmed").hasMessageContaining("GRANT_CLAIMED");
    }
  }

  /** A client that read the first bytes and closed: what the door read ahead past them is not in the record. */
  @Test
  void theReadAheadAClientNeverTookIsNotRecordedAsServed() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 97), "bob").bytes();
    var grant = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
    String object = "grant:" + grant.getGrant().getGrantId();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      readUpTo(sftp, grant.getToken(), 1000);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.object().equals(object)
          && r.action().equals("download.abort")).singleElement()
          .satisfies(r -> assertThat(r.details()).containsEntry("from", "0").containsEntry("to", "1000")
              .doesNotContainKey("gap-free-to"));
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
