package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.disconnectMessage;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.names;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DisableIdentityResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An admin's disable or revocation closes the identity's open SFTP sessions at once, through the
 * core's one registry of live sessions, and {@code sessions_closed} counts them with its gRPC calls.
 * The door's periodic re-check is set to an hour here, so only the admin act can close them.
 */
class SftpAdminCloseTest extends OneServerPerMethod {
  SshClient client;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    ServerConfig.Sftp s = c.sftp();
    return c.withSftp(new ServerConfig.Sftp(s.enabled(), s.port(), s.authTimeout(), s.idleTimeout(),
        s.maxAuthAttempts(), s.maxSessionsPerIdentity(), s.maxOpenHandles(), Duration.ofHours(1), s.host()));
  }

  @BeforeEach
  void start() {
    client = SftpTestSupport.client(server);
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
  }

  /** Logs in and makes one SFTP request, so the session is surely logged in on the server too. */
  private ClientSession openSession(String user, KeyPair key) throws Exception {
    ClientSession session = login(client, server, user, key);
    assertThat(names(sftp(session), "/")).isNotEmpty();
    return session;
  }

  private static void assertClosedSoon(ClientSession session) {
    Set<ClientSessionEvent> events = session.waitFor(EnumSet.of(ClientSessionEvent.CLOSED), Duration.ofSeconds(10));
    assertThat(events).as("the SFTP session must be closed").contains(ClientSessionEvent.CLOSED);
  }

  @Test
  void disablingAnIdentityClosesAndCountsItsSftpSessionOnly() throws Exception {
    KeyPair daveKey = registeredKey(clients, "dave");
    KeyPair bobKey = registeredKey(clients, "bob");
    ClientSession dave = openSession("dave", daveKey);
    ClientSession bob = openSession("bob", bobKey);
    assertThat(server.server().liveSessions().count(Origin.SFTP)).isEqualTo(2);
    CompletableFuture<String> said = disconnectMessage(dave);

    DisableIdentityResponse r = admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
        .setIdentity("dave").setReason("test").build());

    assertThat(r.getSessionsClosed()).as("dave's SFTP session, and no one else's").isEqualTo(1);
    assertClosedSoon(dave);
    assertThat(said.get(10, TimeUnit.SECONDS)).as("dave's client is told why (OpenSSH prints it)").isEqualTo(
        SshConstants.SSH2_DISCONNECT_BY_APPLICATION + " session closed: identity 'dave' disabled by an admin; ask an admin to enable it again"
        + " [IDENTITY_DISABLED]");
    assertThat(bob.isOpen()).as("another identity's session stays open").isTrue();
    assertThat(names(sftp(bob), "/")).isNotEmpty();
    assertThat(server.server().liveSessions().count(Origin.SFTP)).isEqualTo(1);
    assertThatThrownBy(() -> login(client, server, "dave", daveKey)).hasMessageContaining("authentication");

    admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("dave").build());
    openSession("dave", daveKey).close(true);
    bob.close(true);
  }

  @Test
  void revokingAnIdentityCountsItsSftpSessionsWithItsGrpcStream() throws Exception {
    Users.publish(clients, server.pki, "alice");
    // 8 MiB: far more than the flow-control windows, so the download is still running when it is cut
    UploadResponse file = Transfers.upload(clients, "alice",
        Users.seal("alice", Users.randomBytes(8 << 20, 7), "bob").bytes());
    CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    KeyPair bobKey = registeredKey(clients, "bob");
    ClientSession first = openSession("bob", bobKey);
    ClientSession second = openSession("bob", bobKey);
    ManagedChannel bob = clients.channel("bob");
    String claim = TransferServiceGrpc.newBlockingStub(bob).redeem(RedeemRequest.newBuilder()
        .setToken(grant.getToken()).build()).getClaimId();
    Iterator<DownloadResponse> download = TransferServiceGrpc.newBlockingStub(bob)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(download.next().getData().size()).isPositive();

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("bob").setReason("laptop lost").build());

    assertThat(r.getSessionsClosed()).as("two SFTP sessions and one gRPC download").isEqualTo(3);
    assertClosedSoon(first);
    assertClosedSoon(second);
    StatusRuntimeException cut = catchThrowableOfType(StatusRuntimeException.class, () -> {
      while (download.hasNext()) {
        download.next();
      }
    });
    assertThat(cut).as("the download must be cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(server.server().liveSessions().count(Origin.SFTP)).isZero();
    assertThat(server.server().liveCalls().size()).isZero();
  }

  /**
   * Round DA (outside test): an SFTP download cut by RevokeIdentity of its caller was recorded as certificate-revoked,
   * where the maintenance round records the same revocation as identity-revoked (docs/admin.md, "Results").
   */
  @Test
  void anSftpDownloadCutByItsIdentitysRevocationIsRecordedAsIdentityRevoked() throws Exception {
    Users.publish(clients, server.pki, "alice");
    // 8 MiB: far more than the door reads ahead, so the download is still running when it is cut
    UploadResponse file = Transfers.upload(clients, "alice",
        Users.seal("alice", Users.randomBytes(8 << 20, 11), "bob").bytes());
    CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    KeyPair bobKey = registeredKey(clients, "bob");
    ClientSession session = openSession("bob", bobKey);
    SftpClient sftp = sftp(session);
    SftpClient.CloseableHandle h = sftp.open("/redeem/" + grant.getToken(), SftpClient.OpenMode.Read);
    byte[] buf = new byte[32 << 10];
    assertThat(sftp.read(h, 0, buf, 0, buf.length)).isPositive();

    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("bob").setReason("left")
        .build());

    assertClosedSoon(session);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    java.util.List<dev.sealdrop.server.core.audit.Audit.Entry> aborts;
    do {
      aborts = server.server().audit().tail(200).stream().filter(e -> e.action().equals("download.abort")
          && e.actor().equals("bob")).toList();
    } while (aborts.isEmpty() && System.nanoTime() < deadline && sleep(50));
    assertThat(aborts).singleElement().satisfies(e -> {
      assertThat(e.result()).isEqualTo("identity-revoked");
      assertThat(e.details()).containsEntry("door", "sftp");
    });
  }

  /**
   * An SFTP upload cut by RevokeIdentity of its owner is recorded identity-revoked with door=sftp, as the SFTP download
   * above and the gRPC transfers are (session 54's gap: no test of the upload), and its received bytes are deleted.
   */
  @Test
  void anSftpUploadCutByItsIdentitysRevocationIsRecordedAsIdentityRevoked() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 12), "bob").bytes();
    KeyPair aliceKey = registeredKey(clients, "alice");
    ClientSession session = openSession("alice", aliceKey);
    SftpClient sftp = sftp(session);
    SftpClient.CloseableHandle h = sftp.open("/outbox/cut.sealed",
        EnumSet.of(SftpClient.OpenMode.Write, SftpClient.OpenMode.Create, SftpClient.OpenMode.Truncate));
    sftp.write(h, 0, envelope, 0, 2 << 20);

    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice").setReason("left")
        .build());

    assertClosedSoon(session);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    java.util.List<dev.sealdrop.server.core.audit.Audit.Entry> aborts;
    do {
      aborts = server.server().audit().tail(200).stream().filter(e -> e.action().equals("upload.abort")
          && e.actor().equals("alice")).toList();
    } while (aborts.isEmpty() && System.nanoTime() < deadline && sleep(50));
    assertThat(aborts).singleElement().satisfies(e -> {
      assertThat(e.result()).isEqualTo("identity-revoked");
      assertThat(e.details()).containsEntry("door", "sftp");
    });
    // deleted as the door's handle ends, which may come after the record
    java.util.List<java.nio.file.Path> left;
    do {
      try (var temps = java.nio.file.Files.list(data.resolve("tmp"))) {
        left = temps.toList();
      }
    } while (!left.isEmpty() && System.nanoTime() < deadline && sleep(50));
    assertThat(left).as("what the cut upload received is deleted").isEmpty();
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }

  @Test
  void revokingTheCertificateThatRegisteredTheKeyClosesAndCountsTheSession() throws Exception {
    KeyPair aliceKey = registeredKey(clients, "alice");
    ClientSession alice = openSession("alice", aliceKey);

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("alice").setCertificateSerial(server.pki.certificate("alice").getSerialNumber().toString(16))
        .build());

    assertThat(r.getSessionsClosed()).isEqualTo(1);
    assertClosedSoon(alice);
    assertThat(server.server().liveSessions().count(Origin.SFTP)).isZero();
  }

  /**
   * GRANT_SUSPENDED through the SFTP door (RevocationTest.aDisabledSenders... is its gRPC twin): while
   * an admin has disabled alice, bob's get of her grant is refused with the reason and what to do,
   * nothing is claimed or used up, and once she is enabled the same token works.
   */
  @Test
  void aDisabledSendersGrantIsRefusedOverSftpUntilItIsEnabledAgain() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] envelope = Users.seal("alice", Users.randomBytes(200_000, 8), "bob").bytes();
    UploadResponse file = Transfers.upload(clients, "alice", envelope);
    CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    KeyPair bobKey = registeredKey(clients, "bob");
    admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("alice").build());

    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient bob = sftp(s)) {
      SftpException refused = catchThrowableOfType(SftpException.class,
          () -> SftpTestSupport.get(bob, "/redeem/" + grant.getToken()));
      assertThat(refused).as("refused while alice is disabled").isNotNull();
      assertThat(refused.getStatus()).isEqualTo(SftpConstants.SSH_FX_PERMISSION_DENIED);
      assertThat(refused).hasMessageContaining("'alice' is disabled by an admin")
          .hasMessageContaining("ask the sender or an admin").hasMessageContaining("[GRANT_SUSPENDED]");
      assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList())
          .filteredOn(g -> g.getGrantId().equals(grant.getGrant().getGrantId()))
          .extracting(AdminGrant::getState, AdminGrant::getDownloadsUsed).as("nothing was claimed or used up")
          .containsExactly(org.assertj.core.groups.Tuple.tuple(GrantState.GRANT_STATE_ACTIVE, 0));

      admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("alice").build());
      assertThat(SftpTestSupport.get(bob, "/redeem/" + grant.getToken())).isEqualTo(envelope);
    }
    assertThat(server.server().audit().tail(1000)).filteredOn(e -> e.action().equals("grant.redeem"))
        .extracting(e -> e.result()).containsExactly("grant-suspended", "ok");
  }
}
