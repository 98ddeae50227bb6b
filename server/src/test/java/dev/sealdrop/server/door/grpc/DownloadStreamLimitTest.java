package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.grant.GrantPolicy;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's leftover: each download stream holds a few MiB, so the server serves at most
 * {@code max-download-streams} at once, all callers together; one more is refused as busy
 * (RESOURCE_EXHAUSTED / SERVER_BUSY), audited, and nothing is used up: its claim downloads once a
 * stream ends.
 */
class DownloadStreamLimitTest {
  static final int LIMIT = 2;
  @TempDir
  Path data;
  TestServer server;
  Clients clients;
  UploadResponse file;
  final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() {
    server = new TestServer(data, c -> c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreams(LIMIT)));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    // 8 MiB: far more than the flow-control windows, so a stream nobody reads stays open
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(8 << 20, 31), "bob", "dave").bytes());
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
    clients.close();
    server.close();
  }

  String claim(String user) {
    String token = Transfers.grant(clients, "alice", file.getFileId(), user).getToken();
    return clients.transfer(user).redeem(RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
  }

  /** Starts a download on a channel of its own and reads one message; the stream stays open. */
  ManagedChannel downloading(String user, String claimId) {
    ManagedChannel ch = clients.channel(user);
    channels.add(ch);
    Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(ch)
        .download(DownloadRequest.newBuilder().setClaimId(claimId).build());
    assertThat(it.next().getData().size()).isPositive();
    return ch;
  }

  static List<DownloadResponse> downloadAll(Clients clients, String user, String claimId) {
    List<DownloadResponse> all = new ArrayList<>();
    clients.transfer(user).download(DownloadRequest.newBuilder().setClaimId(claimId).build()).forEachRemaining(all::add);
    return all;
  }

  @Test
  void oneStreamOverTheServerWideLimitIsRefusedAsBusyAndItsClaimDownloadsOnceAStreamEnds() throws Exception {
    ManagedChannel first = downloading("bob", claim("bob"));
    downloading("dave", claim("dave"));
    String third = claim("bob");

    StatusRuntimeException busy = refused(() -> downloadAll(clients, "bob", third), Status.Code.RESOURCE_EXHAUSTED,
        "SERVER_BUSY");
    assertThat(busy.getStatus().getDescription()).contains("server busy").contains("retry");
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("download.abort");
      assertThat(r.actor()).isEqualTo("bob");
      assertThat(r.result()).isEqualTo("server-busy");
    });

    // one stream ends: the refused claim was not used up, and now downloads in full
    first.shutdownNow();
    first.awaitTermination(5, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<DownloadResponse> got = null;
    while (got == null) {
      try {
        got = downloadAll(clients, "bob", third);
      } catch (StatusRuntimeException e) {
        // the server notices the cancelled stream a moment later
        assertThat(System.nanoTime()).as("still busy: " + e.getStatus()).isLessThan(deadline);
        Thread.sleep(50);
      }
    }
    assertThat(got.stream().mapToLong(r -> r.getData().size()).sum()).isEqualTo(file.getSize());
  }
}
