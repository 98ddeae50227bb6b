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
 * The per-identity share of the download slots ({@code max-download-streams-per-identity}) is one
 * core rule for both doors: open /redeem/ handles left unread count with the caller's gRPC streams,
 * an SFTP open past the share is refused as TOO_MANY_DOWNLOADS with its claim given back, and other
 * identities still download.
 */
class SftpDownloadShareTest extends OneServerPerMethod {
  static final int LIMIT = 3;
  static final int SHARE = 2;
  private static final int PIECE = 32 * 1024;
  SshClient client;
  KeyPair bobKey;
  UploadResponse file;
  byte[] envelope;

  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreams(LIMIT).withMaxDownloadStreamsPerIdentity(SHARE));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    bobKey = registeredKey(clients, "bob");
    client = SftpTestSupport.client(server);
    // 8 MiB: far more than the flow-control windows and the door's read-ahead
    envelope = Users.seal("alice", Users.randomBytes(8 << 20, 47), "bob", "dave").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
  }

  private String token(String to) {
    return Transfers.grant(clients, "alice", file.getFileId(), to).getToken();
  }

  @Test
  void anSftpOpenPastTheCallersShareIsRefusedItsClaimGivenBackAndOthersStillDownload() throws Exception {
    // bob: one stalled gRPC stream and one SFTP handle left open, read a little: his share of 2
    ManagedChannel grpc = clients.channel("bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token("bob")).build())
        .getClaimId();
    Iterator<DownloadResponse> stream = TransferServiceGrpc.newBlockingStub(grpc)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(stream.next().getData().size()).isPositive();
    String third = token("bob");
    try (ClientSession s = login(client, server, "bob", bobKey); SftpClient sftp = sftp(s)) {
      SftpClient.CloseableHandle open = sftp.open("/redeem/" + token("bob"), SftpClient.OpenMode.Read);
      assertThat(sftp.read(open, 0, new byte[PIECE], 0, PIECE)).isEqualTo(PIECE);

      SftpException refused = catchThrowableOfType(SftpException.class,
          () -> sftp.open("/redeem/" + third, SftpClient.OpenMode.Read));

      assertThat(refused).as("a third download of bob's is refused").isNotNull();
      assertThat(refused.getStatus()).isEqualTo(SftpConstants.SSH_FX_FAILURE);
      assertThat(refused).hasMessageContaining("'bob' has 2 downloads running")
          .hasMessageContaining("max-download-streams-per-identity").hasMessageContaining("[TOO_MANY_DOWNLOADS]");
      assertThat(server.server().audit().tail(50)).filteredOn(e -> e.action().equals("download.abort"))
          .singleElement().satisfies(e -> {
            assertThat(e.result()).isEqualTo("too-many-downloads");
            assertThat(e.details()).containsEntry("door", "sftp");
          });
      assertThat(server.server().audit().tail(50)).filteredOn(e -> e.action().equals("grant.release"))
          .as("the claim is given back").singleElement().satisfies(e -> assertThat(e.result()).isEqualTo("ok"));

      // the server-wide cap (3) is not reached: dave downloads in full while bob's two stay open
      String daves = clients.transfer("dave").redeem(RedeemRequest.newBuilder().setToken(token("dave")).build())
          .getClaimId();
      long[] total = {0};
      clients.transfer("dave").download(DownloadRequest.newBuilder().setClaimId(daves).build())
          .forEachRemaining(r -> total[0] += r.getData().size());
      assertThat(total[0]).isEqualTo(file.getSize());

      open.close(); // one of bob's downloads ends: the refused token is not used up and downloads in full
      assertThat(SftpTestSupport.get(sftp, "/redeem/" + third)).isEqualTo(envelope);
    } finally {
      grpc.shutdownNow();
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
