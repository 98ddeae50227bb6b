package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.get;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token whose grant was purged (an admin's PurgeFile, or retention) is told so, with when, on both
 * doors alike, and not as a mistyped token; to anyone but its recipient it says no more than a live
 * grant's token does.
 */
class PurgedGrantRedeemTest {
  @TempDir
  Path data;
  TestServer server;
  AdminClients admins;
  Clients clients;
  SshClient ssh;
  KeyPair bobKey;
  UploadResponse file;

  @BeforeEach
  void start() {
    server = new TestServer(data, c -> c.withAdmin(c.admin().withPort(0)));
    connect();
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    bobKey = registeredKey(clients, "bob");
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(20_000, 5), "bob").bytes());
  }

  void connect() {
    admins = new AdminClients(server);
    clients = server.clients();
    ssh = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws Exception {
    ssh.stop();
    admins.close();
    clients.close();
    server.close();
  }

  @Test
  void aTokenWhoseFileAnAdminPurgedIsToldSoWithWhenOnBothDoors() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    Instant before = server.clock.instant();
    admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder().setFileId(file.getFileId())
        .setReason("deal cancelled").build());
    Instant after = server.clock.instant();

    String told = sameOnBothDoors(g.getToken(), "FILE_PURGED");
    assertThat(timeAfter(told, "purged from the server by an admin at ")).isBetween(before.minusMillis(1), after);
    assertThat(told).contains("it was still active").contains("ask the sender to send the file again");
    assertThat(server.server().audit().tail(10)).filteredOn(r -> r.action().equals("grant.redeem")).last()
        .satisfies(r -> assertThat(r.result()).isEqualTo("file-purged"))
        .satisfies(r -> assertThat(r.object()).isEqualTo("grant:" + g.getGrant().getGrantId()));
    notTheRecipientNorAStrangerLearnsMore(g.getToken());
  }

  @Test
  void aTokenWhoseGrantRetentionDeletedIsToldSoWithWhenOnBothDoorsAlsoAfterARestart() throws Exception {
    CreateGrantResponse g = clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(3600).build());
    Instant expired = Instant.ofEpochMilli(g.getGrant().getExpiresAtMillis());
    server.clock.advance(Duration.ofDays(31));
    Instant before = server.clock.instant();
    assertThat(server.server().sweepRetention().files()).as("its file went with it").isEqualTo(1);
    Instant after = server.clock.instant();

    String told = sameOnBothDoors(g.getToken(), "GRANT_PURGED");
    assertThat(told).contains("the grant is gone: it had expired at " + expired)
        .contains("ask the sender to send the file again");
    assertThat(timeAfter(told, "retention deleted it at ")).isBetween(before.minusMillis(1), after);
    notTheRecipientNorAStrangerLearnsMore(g.getToken());

    stop();
    server.start();
    connect();
    assertThat(sameOnBothDoors(g.getToken(), "GRANT_PURGED")).as("kept in the database").isEqualTo(told);
  }

  /**
   * Round CR: an SFTP get of a grant whose file is sealed for keys its recipient has since replaced downloaded it and
   * used the one-time grant up on a file nobody could open (the CLI refuses it before downloading, and gives the claim
   * back). Refused now, naming both keys, and nothing is used up: the grant is still active.
   */
  @Test
  void aGrantSealedForKeysItsRecipientReplacedIsRefusedOverSftpAndNotUsedUp() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    // bob replaces his keys (init --force, keys publish) after the file was sealed and granted
    clients.keys("bob").publishBundle(dev.sealdrop.protocol.v1.PublishBundleRequest.newBuilder().setSignedBundle(
        com.google.protobuf.ByteString.copyFrom(dev.sealdrop.keys.KeyBundle.create("bob",
            dev.sealdrop.keys.PrivateKeys.generate().publicKeys(), Instant.now().plus(Duration.ofDays(30)),
            server.pki.privateKey("bob"), java.util.List.of(server.pki.certificate("bob"),
                server.pki.caCertificate())).encoded())).build());
    try (ClientSession s = login(ssh, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      SftpException refusal = catchThrowableOfType(SftpException.class, () -> get(sftp, "/redeem/" + g.getToken()));
      assertThat(refusal).isNotNull();
      assertThat(refusal.getMessage()).contains("is sealed for other keys").contains("nothing was used up")
          .endsWith("[NOT_SEALED_FOR_RECIPIENT]");
    }
    dev.sealdrop.protocol.v1.Grant after = clients.transfer("alice").listGrants(
        dev.sealdrop.protocol.v1.ListGrantsRequest.getDefaultInstance()).getGrantsList().stream()
        .filter(x -> x.getGrantId().equals(g.getGrant().getGrantId())).findFirst().orElseThrow();
    assertThat(after.getState()).as("the claim was given back").isEqualTo(dev.sealdrop.protocol.v1.GrantState.GRANT_STATE_ACTIVE);
    assertThat(after.getDownloadsUsed()).isZero();
  }

  /** The gRPC refusal (FAILED_PRECONDITION) and the SFTP one (permission denied) say the same; returns it. */
  private String sameOnBothDoors(String token, String reason) throws Exception {
    StatusRuntimeException e = refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token)
        .build()), Status.Code.FAILED_PRECONDITION, reason);
    String told = e.getStatus().getDescription();
    try (ClientSession s = login(ssh, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      SftpException refusal = catchThrowableOfType(SftpException.class, () -> get(sftp, "/redeem/" + token));
      assertThat(refusal).isNotNull();
      assertThat(refusal.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(refusal.getMessage()).isEqualTo(told + " [" + reason + "]");
    }
    return told;
  }

  /** The instant written right after {@code label} in {@code text}. */
  private static Instant timeAfter(String text, String label) {
    assertThat(text).contains(label);
    String rest = text.substring(text.indexOf(label) + label.length());
    return Instant.parse(rest.substring(0, rest.indexOf('Z') + 1));
  }

  private void notTheRecipientNorAStrangerLearnsMore(String token) {
    refused(() -> clients.transfer("dave").redeem(RedeemRequest.newBuilder().setToken(token).build()),
        Status.Code.PERMISSION_DENIED, "NOT_RECIPIENT");
    String mistyped = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");
    refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(mistyped).build()),
        Status.Code.NOT_FOUND, "NOT_FOUND");
  }
}
