package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.upload.UploadPolicy;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server killed (not shut down) while SFTP transfers were open, restarted on the same data folder:
 * what only the dead SFTP handle could have gone on with is ended at startup (docs/sftp.md), while
 * what a gRPC client can resume is kept for it.
 */
class SftpCrashRecoveryTest {
  private static final long QUOTA = 16L << 20;

  @TempDir
  Path data;

  /** A small checkpoint, so that the cut uploads hold durable bytes (and quota) when the server dies. */
  private static ServerConfig configure(ServerConfig c) {
    UploadPolicy u = c.uploads();
    return c.withUploads(new UploadPolicy(u.maxUploadBytes(), QUOTA, 256 << 10, u.abandonAfter(), u.stallTimeout()));
  }

  /**
   * An SFTP upload cut by the crash is closed and deleted at startup (its temporary data is gone, it
   * no longer counts against the quota, audited upload.abort / server-restarted); a gRPC upload cut
   * the same way keeps its durable bytes and resumes to a byte-identical file.
   */
  @Test
  void anSftpUploadCutByACrashIsDeletedAtStartupWhileAGrpcUploadStaysResumable() throws Exception {
    try (TestServer server = new TestServer(data, SftpCrashRecoveryTest::configure)) {
      byte[] grpcEnvelope = Users.seal("alice", Users.randomBytes(3 << 20, 51), "bob").bytes();
      byte[] sftpEnvelope = Users.seal("alice", Users.randomBytes(4 << 20, 52), "bob").bytes();
      String grpcUpload;
      String sftpUpload;
      SshClient client = SftpTestSupport.client(server);
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        KeyPair aliceKey = registeredKey(clients, "alice");
        grpcUpload = Transfers.createUpload(clients, "alice", grpcEnvelope.length);
        Transfers.stream(clients, "alice", grpcUpload, grpcEnvelope, 0, 2 << 20, false); // never finished
        assertThat(Transfers.awaitCommittedOffset(clients, "alice", grpcUpload, o -> o > 0)).isPositive();

        ClientSession session = login(client, server, "alice", aliceKey);
        SftpClient sftp = sftp(session);
        OutputStream out = sftp.write("/outbox/cut.sealed");
        out.write(sftpEnvelope, 0, 3 << 20);
        out.flush(); // no CLOSE: the server dies with the handle open
        sftpUpload = uploadIdStartedThrough(server, "sftp");
        assertThat(Transfers.awaitCommittedOffset(clients, "alice", sftpUpload, o -> o > 0))
            .as("the SFTP upload holds durable bytes (and quota) when the server dies").isPositive();

        server.server().kill();
        session.close(true);
      } finally {
        client.stop();
      }
      assertThat(Files.exists(part(sftpUpload))).as("the crash left the SFTP upload's data").isTrue();

      server.start();
      try (Clients clients = server.clients()) {
        assertThat(Files.exists(part(sftpUpload))).as("the SFTP upload's temporary data is deleted").isFalse();
        refused(() -> Transfers.await(Transfers.stream(clients, "alice", sftpUpload, sftpEnvelope, 0,
            sftpEnvelope.length, true)), Status.Code.FAILED_PRECONDITION, "UPLOAD_CLOSED");

        long kept = Transfers.awaitCommittedOffset(clients, "alice", grpcUpload, o -> true);
        assertThat(kept).as("the gRPC upload keeps its durable bytes").isPositive();
        assertThat(Files.size(part(grpcUpload))).isEqualTo(kept);
        // The quota holds exactly the gRPC upload's bytes: an upload of the rest fits. Had the SFTP
        // upload's bytes still counted, it would be refused with QUOTA_EXCEEDED.
        assertThat(Transfers.createUpload(clients, "alice", QUOTA - kept)).startsWith("up_");

        UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", grpcUpload, grpcEnvelope, (int) kept,
            grpcEnvelope.length, true));
        assertThat(Files.readAllBytes(data.resolve("blobs").resolve(done.getFileId()))).isEqualTo(grpcEnvelope);
      }
      assertThat(server.server().audit().tail(1000))
          .filteredOn(e -> e.action().equals("upload.abort") && e.result().equals("server-restarted"))
          .singleElement().satisfies(e -> {
            assertThat(e.actor()).isEqualTo(Audit.SERVER);
            assertThat(e.object()).isEqualTo("upload:" + sftpUpload);
            assertThat(e.details()).containsEntry("upload-id", sftpUpload).containsEntry("owner", "alice");
          });
    }
  }

  /**
   * A /redeem/ claim cut by the crash before its last byte was served is released at startup (the
   * grant can be redeemed at once, audited grant.release / cause server-restarted); one that was
   * served every byte keeps the core's rule (it counts when its window passes), and a gRPC claim is
   * kept for its client, who resumes it with its claim id.
   */
  @Test
  void anSftpClaimCutByACrashIsReleasedAtStartupWhileAGrpcClaimIsKept() throws Exception {
    try (TestServer server = new TestServer(data, SftpCrashRecoveryTest::configure)) {
      byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 53), "bob").bytes();
      CreateGrantResponse cut;
      CreateGrantResponse servedAll;
      CreateGrantResponse overGrpc;
      String grpcClaim;
      SshClient client = SftpTestSupport.client(server);
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        KeyPair bobKey = registeredKey(clients, "bob");
        String fileId = Transfers.upload(clients, "alice", envelope).getFileId();
        cut = Transfers.grant(clients, "alice", fileId, "bob");
        servedAll = Transfers.grant(clients, "alice", fileId, "bob");
        overGrpc = Transfers.grant(clients, "alice", fileId, "bob");
        grpcClaim = redeem(clients, overGrpc);

        ClientSession session = login(client, server, "bob", bobKey);
        SftpClient sftp = sftp(session);
        SftpClient.CloseableHandle h = sftp.open("/redeem/" + cut.getToken(), SftpClient.OpenMode.Read);
        assertThat(sftp.read(h, 0, new byte[32 * 1024], 0, 32 * 1024)).isEqualTo(32 * 1024);
        InputStream whole = sftp.read("/redeem/" + servedAll.getToken());
        assertThat(whole.readAllBytes()).isEqualTo(envelope); // every byte served, the handle not closed

        server.server().kill();
        session.close(true);
      } finally {
        client.stop();
      }

      server.start();
      try (Clients clients = server.clients()) {
        String again = redeem(clients, cut);
        assertThat(Transfers.download(clients.transfer("bob"), again, 0)).as("the cut SFTP claim was released")
            .isEqualTo(envelope);

        // a claim served every byte is not released: it counts when its window passes
        refused(() -> redeem(clients, servedAll), Status.Code.FAILED_PRECONDITION, "GRANT_CLAIMED");
        refused(() -> redeem(clients, overGrpc), Status.Code.FAILED_PRECONDITION, "GRANT_CLAIMED");
        assertThat(Transfers.download(clients.transfer("bob"), grpcClaim, 0)).as("the gRPC claim is kept")
            .isEqualTo(envelope);
      }
      // (the killed server's door tried to release the cut claim too, and failed: its database was closed)
      List<Audit.Entry> releases = server.server().audit().tail(1000).stream()
          .filter(e -> e.action().equals("grant.release") && e.actor().equals(Audit.SERVER)).toList();
      assertThat(releases).singleElement().satisfies(e -> {
        assertThat(e.result()).isEqualTo("ok");
        assertThat(e.object()).isEqualTo("grant:" + cut.getGrant().getGrantId());
        assertThat(e.details()).containsEntry("cause", "server-restarted").containsEntry("recipient", "bob");
      });
    }
  }

  /**
   * Review DI: a cut SFTP claim whose window passed while the server was down was settled as lapsed before the restart's
   * release, counted as its holder's interrupted claim (three long outages used a one-time grant up undelivered); it is
   * released as cut by the restart, as one whose window had not passed.
   */
  @Test
  void anSftpClaimCutByACrashWhoseWindowPassedDuringTheDowntimeIsReleasedNotCounted() throws Exception {
    try (TestServer server = new TestServer(data, SftpCrashRecoveryTest::configure)) {
      byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 54), "bob").bytes();
      CreateGrantResponse cut;
      SshClient client = SftpTestSupport.client(server);
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        KeyPair bobKey = registeredKey(clients, "bob");
        cut = Transfers.grant(clients, "alice", Transfers.upload(clients, "alice", envelope).getFileId(), "bob");
        ClientSession session = login(client, server, "bob", bobKey);
        SftpClient sftp = sftp(session);
        SftpClient.CloseableHandle h = sftp.open("/redeem/" + cut.getToken(), SftpClient.OpenMode.Read);
        assertThat(sftp.read(h, 0, new byte[32 * 1024], 0, 32 * 1024)).isEqualTo(32 * 1024);
        server.server().kill();
        session.close(true);
      } finally {
        client.stop();
      }

      server.clock.advance(server.config().grants().claimWindow().plusHours(2)); // a long outage
      server.start();
      List<Audit.Entry> releases = server.server().audit().tail(1000).stream()
          .filter(e -> e.action().equals("grant.release") && e.actor().equals(Audit.SERVER)).toList();
      assertThat(releases).singleElement().satisfies(e -> {
        assertThat(e.object()).isEqualTo("grant:" + cut.getGrant().getGrantId());
        assertThat(e.details()).containsEntry("cause", "server-restarted").doesNotContainKey("interrupted");
      });
      try (Clients clients = server.clients()) {
        assertThat(Transfers.download(clients.transfer("bob"), redeem(clients, cut), 0)).isEqualTo(envelope);
      }
    }
  }

  private static String redeem(Clients clients, CreateGrantResponse grant) {
    return clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(grant.getToken()).build()).getClaimId();
  }

  /** The id of the one upload started through {@code door}, as the audit log names it. */
  private static String uploadIdStartedThrough(TestServer server, String door) throws Exception {
    return server.server().audit().tail(1000).stream()
        .filter(e -> e.action().equals("upload.start") && door.equals(e.details().get("door")))
        .map(e -> e.details().get("upload-id")).reduce((a, b) -> {
          throw new AssertionError("more than one upload started through " + door);
        }).orElseThrow();
  }

  private Path part(String uploadId) {
    return data.resolve("tmp").resolve(uploadId + ".part");
  }
}
