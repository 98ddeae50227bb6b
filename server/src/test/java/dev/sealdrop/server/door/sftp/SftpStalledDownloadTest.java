package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyPair;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An SFTP download whose client opened /redeem/TOKEN, read a little and stopped reading: what an
 * admin does to its grant reaches it at once, not only when the client reads again (the door holds
 * up to 1 MiB read ahead, which it would otherwise still hand out).
 */
class SftpStalledDownloadTest extends OneServerPerMethod {
  private static final int PIECE = 32 * 1024;

  SshClient client;
  KeyPair bobKey;
  UploadResponse file;
  byte[] envelope;

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
    envelope = Users.seal("alice", Users.randomBytes(4 << 20, 41), "bob").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  /**
   * bob reads the first 32 KiB of the grant's file, {@code act} happens while he reads nothing, and
   * his next read (within what the door had read ahead) must fail with {@code reason}.
   */
  private IOException stalledThen(CreateGrantResponse grant, Runnable act) throws Exception {
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);
        act.run();
        return catchThrowableOfType(IOException.class, () -> sftp.read(h, PIECE, buf, 0, PIECE));
      }
    }
  }

  @Test
  void anAdminsRevocationOfTheGrantCutsAStalledDownloadAtOnce() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    java.util.concurrent.atomic.AtomicInteger downloadsCut = new java.util.concurrent.atomic.AtomicInteger(-1);
    IOException cut = stalledThen(g, () -> downloadsCut.set(admins.admin("carol").revokeAnyGrant(
        RevokeAnyGrantRequest.newBuilder().setGrantId(g.getGrant().getGrantId()).setReason("deal off").build())
        .getDownloadsCut()));
    assertThat(cut).as("nothing more is served, not even the read-ahead").isNotNull();
    assertThat(cut).hasMessageContaining("the grant was revoked").hasMessageContaining("[GRANT_REVOKED]");
    assertThat(downloadsCut).as("the answer counts the download the revocation closed at once").hasValue(1);
    assertNoReleaseRecorded(g);
  }

  /**
   * Round DC: the handle closed after its grant's revocation has no claim left to give back (the revocation closed it),
   * so no grant.release is recorded for its recipient, who asked for none: the door's attempt was audited as bob's
   * refused release ({@code grant-revoked}), a record the same download over gRPC never leaves.
   */
  private void assertNoReleaseRecorded(CreateGrantResponse g) throws IOException {
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.action().equals("download.abort")
        && r.object().equals("grant:" + g.getGrant().getGrantId())).extracting(r -> r.result())
        .containsExactly("grant-revoked");
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.action().equals("grant.release")
        && r.object().equals("grant:" + g.getGrant().getGrantId())).isEmpty();
  }

  @Test
  void theSendersOwnRevocationOfTheGrantCutsAStalledDownloadAtOnce() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    IOException cut = stalledThen(g, () -> clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(g.getGrant().getGrantId()).build()));
    assertThat(cut).as("nothing more is served, not even the read-ahead").isNotNull();
    assertThat(cut).hasMessageContaining("the grant was revoked").hasMessageContaining("[GRANT_REVOKED]");
    assertNoReleaseRecorded(g);
  }

  @Test
  void disablingTheSenderCutsAStalledDownloadOfItsGrantAtOnce() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    IOException cut = stalledThen(g, () -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
        .setIdentity("alice").setReason("audit").build()));
    assertThat(cut).as("nothing more is served, not even the read-ahead").isNotNull();
    assertThat(cut).hasMessageContaining("'alice' is disabled").hasMessageContaining("[GRANT_SUSPENDED]");
    // the handle is closed by then: its end is audited with the reason, not as an interruption
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.action().equals("download.abort")).last()
        .satisfies(r -> assertThat(r.result()).isEqualTo("grant-suspended"));
  }

  @Test
  void purgingTheFileCutsAStalledDownloadAtOnce() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    java.util.concurrent.atomic.AtomicInteger downloadsCut = new java.util.concurrent.atomic.AtomicInteger(-1);
    IOException cut = stalledThen(g, () -> downloadsCut.set(admins.admin("carol").purgeFile(
        PurgeFileRequest.newBuilder().setFileId(file.getFileId()).setReason("takedown").build()).getDownloadsCut()));
    assertThat(cut).as("nothing more is served, not even the read-ahead").isNotNull();
    assertThat(cut).hasMessageContaining("purged").hasMessageContaining("[FILE_PURGED]");
    assertThat(downloadsCut).as("the answer counts the download the purge closed at once").hasValue(1);
    // the handle closed after the purge has no claim left to give back: no grant.release naming no grant (outside test)
    assertThat(server.server().audit().tail(20)).noneSatisfy(r -> {
      assertThat(r.action()).isEqualTo("grant.release");
      assertThat(r.result()).isEqualTo("not-found");
    });
  }

  /**
   * A handle closed before the last byte gives its claim back at once (audited grant.release, door
   * sftp): nothing is used up, and the gRPC door can receive the grant now, not after the claim window.
   */
  @Test
  void aDownloadClosedBeforeTheEndReleasesItsClaimSoTheGrpcDoorCanReceiveAtOnce() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read)) {
        assertThat(sftp.read(h, 0, new byte[PIECE], 0, PIECE)).isEqualTo(PIECE);
      } // SSH_FXP_CLOSE after 32 KiB of 4 MiB
    }
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).isEqualTo(envelope);
    assertThat(server.server().audit().tail(1000)).filteredOn(e -> e.action().equals("grant.release"))
        .singleElement().satisfies(e -> {
          assertThat(e.result()).isEqualTo("ok");
          assertThat(e.details()).containsEntry("door", "sftp").containsEntry("grant-id", g.getGrant().getGrantId());
        });
  }

  /**
   * A download refused between the redeem and its first byte (here: its blob is gone from the disk)
   * gives the claim back at once: the claim secret lived only in the door, so nobody could use it.
   */
  @Test
  void aDownloadThatCannotStartAfterTheRedeemReleasesItsClaim() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    java.nio.file.Files.delete(data.resolve("blobs").resolve(file.getFileId()));
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      IOException gone = catchThrowableOfType(IOException.class,
          () -> sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read));
      assertThat(gone).isInstanceOf(org.apache.sshd.sftp.common.SftpException.class);
      assertThat(((org.apache.sshd.sftp.common.SftpException) gone).getStatus())
          .isEqualTo(org.apache.sshd.sftp.common.SftpConstants.SSH_FX_FAILURE);
      assertThat(gone.getMessage()).contains("is missing from the server's storage").contains("nothing was used up")
          .endsWith("[FILE_DAMAGED]").doesNotContain("internal error");
    }
    assertThat(clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId()).as("the grant is not left claimed by the failed open").isNotEmpty();
  }

  /**
   * A stored file shorter than recorded (cut on the server's disk) ends the read with FILE_DAMAGED, not an internal
   * error, and the claim is given back when the handle closes: once the file is restored, the grant is received.
   */
  @Test
  void aStoredFileCutShortEndsTheReadAsDamagedAndGivesTheClaimBack() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    java.nio.file.Path blob = data.resolve("blobs").resolve(file.getFileId());
    java.nio.file.Files.write(blob, java.util.Arrays.copyOf(envelope, 1 << 20));
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      try (SftpClient.CloseableHandle h = sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read)) {
        byte[] buf = new byte[PIECE];
        // a read asked past the cut (as a client's read-ahead asks) names the stored length, not where it asked to
        // start (round AI: "ends after 11354112" of a file cut at 10000000)
        IOException ahead = catchThrowableOfType(IOException.class, () -> sftp.read(h, 3L << 20, buf, 0, PIECE));
        assertThat(ahead).as("a read past the cut fails").isNotNull();
        assertThat(ahead.getMessage()).contains("ends after 1048576 of its " + envelope.length + " bytes");
        IOException cut = null;
        for (long at = 0; at < envelope.length && cut == null; at += PIECE) {
          long offset = at;
          cut = catchThrowableOfType(IOException.class, () -> sftp.read(h, offset, buf, 0, PIECE));
        }
        assertThat(cut).as("a read past the cut fails").isNotNull();
        assertThat(cut.getMessage()).contains("ends after 1048576 of its " + envelope.length + " bytes")
            .endsWith("[FILE_DAMAGED]");
      } catch (IOException closeReportsItAgain) {
        // the CLOSE of a failed download may report the failure once more
      }
    }
    java.nio.file.Files.write(blob, envelope);
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).isEqualTo(envelope);
  }

  /** The same when the SSH session ends with the handle open: a new SFTP session redeems the grant. */
  @Test
  void aDownloadWhoseSessionEndsReleasesItsClaimSoANewSftpSessionCanRedeem() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    ClientSession first = login(client, server, "bob", bobKey);
    SftpClient reading = sftp(first);
    SftpClient.CloseableHandle h = reading.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read);
    assertThat(reading.read(h, 0, new byte[PIECE], 0, PIECE)).isEqualTo(PIECE);
    first.close(true); // no CLOSE: the connection just ends

    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      // the server notices the closed connection a moment later, and then gives the claim back (a busy machine may
      // take seconds for both); from the new session's login on, not before it
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (InputStream in = sftp.read("/redeem/" + g.getToken())) {
          assertThat(in.readAllBytes()).isEqualTo(envelope);
          break;
        } catch (IOException e) {
          assertThat(System.nanoTime()).as("redeemable within 30 s: %s", e.getMessage()).isLessThan(deadline);
          Thread.sleep(100);
        }
      }
    }
  }
}
