package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.login;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.registeredKey;
import static dev.sealdrop.server.door.sftp.SftpTestSupport.sftp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.grant.GrantPolicy;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's leftover: the server-wide cap on downloads ({@code max-download-streams}) is one core
 * rule for both doors. An open /redeem/ handle counts as a gRPC Download stream does, and an SFTP
 * open past the cap is refused as busy with its claim given back, so the same token works once a
 * download ends.
 */
class SftpDownloadStreamLimitTest extends OneServerPerMethod {
  static final int LIMIT = 2;
  private static final int PIECE = 32 * 1024;
  SshClient client;
  KeyPair bobKey;
  UploadResponse file;
  byte[] envelope;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreams(LIMIT));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
    // 8 MiB: far more than the flow-control windows and the door's read-ahead, so a gRPC stream or an
    // SFTP handle that was read a little is still downloading
    envelope = Users.seal("alice", Users.randomBytes(8 << 20, 43), "bob").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
  }

  private String token() {
    return Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
  }

  /** Opens /redeem/TOKEN and reads its first 32 KiB; the handle stays open (a download in progress). */
  private static SftpClient.CloseableHandle downloading(SftpClient sftp, String token) throws Exception {
    SftpClient.CloseableHandle h = sftp.open("/redeem/" + token, SftpClient.OpenMode.Read);
    assertThat(sftp.read(h, 0, new byte[PIECE], 0, PIECE)).isEqualTo(PIECE);
    return h;
  }

  @Test
  void anSftpOpenPastTheCapIsRefusedAsBusyItsClaimIsGivenBackAndTheTokenWorksOnceADownloadEnds()
      throws Exception {
    // one gRPC stream and one SFTP handle: the cap of 2 is reached
    ManagedChannel grpc = clients.channel("bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token()).build()).getClaimId();
    Iterator<DownloadResponse> stream = TransferServiceGrpc.newBlockingStub(grpc)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(stream.next().getData().size()).isPositive();
    String third = token();
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle first = downloading(sftp, token());

      SftpException busy = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/redeem/" + third, SftpClient.OpenMode.Read));

      assertThat(busy).as("a third download is refused").isNotNull();
      assertThat(busy.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
      assertThat(busy).hasMessageContaining("server busy").hasMessageContaining("retry in a moment")
          .hasMessageContaining("[SERVER_BUSY]");
      assertThat(server.server().audit().tail(50)).filteredOn(e -> e.action().equals("download.abort"))
          .singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo("server-busy");
            assertThat(e.details()).containsEntry("door", "sftp");
          });
      assertThat(server.server().audit().tail(50)).filteredOn(e -> e.action().equals("grant.release"))
          .as("the claim is given back").singleElement().satisfies(e -> assertThat(e.result()).isEqualTo("ok"));

      first.close(); // one download ends: the refused token is not used up and downloads in full
      assertThat(SftpTestSupport.get(sftp, "/redeem/" + third)).isEqualTo(envelope);
    } finally {
      grpc.shutdownNow();
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void openSftpDownloadsCountAgainstTheCapOfGrpcDownloads() throws Exception {
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s);
        SftpClient.CloseableHandle a = downloading(sftp, token());
        SftpClient.CloseableHandle b = downloading(sftp, token())) {
      String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token()).build())
          .getClaimId();

      StatusRuntimeException busy = catchThrowableOfType(StatusRuntimeException.class,
          () -> Transfers.download(clients.transfer("bob"), claim, 0));

      assertThat(busy).as("two SFTP downloads fill the cap of 2").isNotNull();
      assertThat(busy.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(busy.getStatus().getDescription()).contains("server busy").contains("retry");
    }
  }
}
