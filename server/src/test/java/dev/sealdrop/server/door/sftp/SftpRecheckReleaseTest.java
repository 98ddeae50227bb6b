package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sshKeys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.sshkey.SshPublicKey;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A /redeem/ download whose session the door's once-a-second re-check closes (its SSH key removed, the certificate it
 * was registered through expired) gives its claim back at once, as any SFTP download closed before its last byte does
 * (docs/sftp.md). Found by an outside test: the release re-authenticated the refused key, failed, and left the grant
 * claimed for the whole claim window, so no retry could redeem it. A key removed by its holder is the holder's own
 * interruption: it counts as one (another outside test: removing one's own key between partial reads, never counted,
 * reset the interrupted-claims bound).
 */
class SftpRecheckReleaseTest extends OneServerPerMethod {
  private static final int PIECE = 32 * 1024;

  SshClient client;

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws IOException {
    client.stop();
  }

  /** The records of {@code action} made through the SFTP door. */
  private List<Audit.Entry> records(String action) throws IOException {
    return server.server().audit().tail(1000).stream().filter(e -> e.action().equals(action))
        .filter(e -> "sftp".equals(e.details().get("door"))).toList();
  }

  @Test
  void aDownloadWhoseKeyIsRemovedGivesItsClaimBackAtOnceAndCountsAsAnInterruptedClaim() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 41), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    for (int round = 1; round <= 3; round++) {
      KeyPair key = registeredKey(clients, "bob");
      ClientSession s = login(client, server, "bob", key);
      SftpClient sftp = sftp(s);
      SftpClient.CloseableHandle h = sftp.open("/redeem/" + g.getToken(), SftpClient.OpenMode.Read);
      byte[] buf = new byte[PIECE];
      assertThat(sftp.read(h, 0, buf, 0, PIECE)).isEqualTo(PIECE);

      ByteArrayBuffer blob = new ByteArrayBuffer();
      blob.putRawPublicKey(key.getPublic());
      sshKeys(clients, "bob").removeSshKey(RemoveSshKeyRequest.newBuilder()
          .setFingerprint(SshPublicKey.fingerprintOf(blob.getCompactData())).build());
      assertThat(s.waitFor(EnumSet.of(ClientSessionEvent.CLOSED), Duration.ofSeconds(10)))
          .contains(ClientSessionEvent.CLOSED);

      long deadline = System.nanoTime() + 10_000_000_000L;
      while (records("grant.release").size() < round && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      final int n = round;
      assertThat(records("grant.release")).as("round %d: the claim was given back at once", n).hasSize(n)
          .allSatisfy(r -> {
            assertThat(r.actor()).isEqualTo("bob");
            assertThat(r.result()).isEqualTo("ok");
            assertThat(r.details()).containsEntry("interrupted", "yes");
          });
      if (round < 3) {
        // redeemable again at once (not claimed until the window passes), by the other door, then given back unread
        RedeemResponse r = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
        assertThat(r.getGrant().getDownloadsUsed()).isZero();
        clients.transfer("bob").releaseClaim(dev.sealdrop.protocol.v1.ReleaseClaimRequest.newBuilder()
            .setClaimId(r.getClaimId()).build());
      }
    }
    // the holder's own interruptions: the third counts, as for a download the holder closed
    assertThat(records("grant.release").get(records("grant.release").size() - 1).details())
        .containsEntry("interrupted-claims", "3");
    io.grpc.StatusRuntimeException used = org.assertj.core.api.Assertions.catchThrowableOfType(() -> clients
        .transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build()),
        io.grpc.StatusRuntimeException.class);
    assertThat(used.getStatus().getDescription()).contains("by downloads given back or lapsed unfinished");
  }
}
