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
 * A client that opens downloads and stops reading keeps their slots (gRPC flow control just stalls
 * the stream): with only the server-wide cap, one identity could hold every slot and block every
 * download on the server. One identity holds at most {@code max-download-streams-per-identity} of
 * them; one more is refused as RESOURCE_EXHAUSTED / TOO_MANY_DOWNLOADS, audited, nothing used up,
 * and everyone else still downloads.
 */
class DownloadStreamShareTest {
  static final int LIMIT = 3;
  static final int SHARE = 2;
  @TempDir
  Path data;
  TestServer server;
  Clients clients;
  UploadResponse file;
  final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void start() {
    server = new TestServer(data, c -> c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreams(LIMIT)
        .withMaxDownloadStreamsPerIdentity(SHARE)));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    // 8 MiB: far more than the flow-control windows, so a stream nobody reads stays open
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(8 << 20, 37), "bob", "dave").bytes());
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

  /** Starts a download on a channel of its own, reads one message and then nothing: a stalled stream. */
  ManagedChannel stalled(String user, String claimId) {
    ManagedChannel ch = clients.channel(user);
    channels.add(ch);
    Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(ch)
        .download(DownloadRequest.newBuilder().setClaimId(claimId).build());
    assertThat(it.next().getData().size()).isPositive();
    return ch;
  }

  long downloadAll(String user, String claimId) {
    long[] total = {0};
    clients.transfer(user).download(DownloadRequest.newBuilder().setClaimId(claimId).build())
        .forEachRemaining(r -> total[0] += r.getData().size());
    return total[0];
  }

  @Test
  void oneIdentityStallingItsDownloadsHoldsOnlyItsShareAndOthersStillDownload() throws Exception {
    ManagedChannel first = stalled("bob", claim("bob"));
    stalled("bob", claim("bob"));
    String third = claim("bob");

    StatusRuntimeException mine = refused(() -> downloadAll("bob", third), Status.Code.RESOURCE_EXHAUSTED,
        "TOO_MANY_DOWNLOADS");
    assertThat(mine.getStatus().getDescription()).isEqualTo("'bob' has 2 downloads running, the most one identity"
        + " may have at once (max-download-streams-per-identity); let one finish or stop it (a receive that stopped"
        + " reading, an SFTP file left open), then retry (nothing was used up)");
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("download.abort");
      assertThat(r.actor()).isEqualTo("bob");
      assertThat(r.result()).isEqualTo("too-many-downloads");
    });

    // the server-wide cap (3) is not reached: another identity downloads while bob's two stay stalled
    assertThat(downloadAll("dave", claim("dave"))).isEqualTo(file.getSize());

    // one of bob's streams ends: the refused claim was not used up, and now downloads in full
    first.shutdownNow();
    first.awaitTermination(5, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long got = -1;
    while (got < 0) {
      try {
        got = downloadAll("bob", third);
      } catch (StatusRuntimeException e) {
        // the server notices the cancelled stream a moment later
        assertThat(System.nanoTime()).as("still refused: " + e.getStatus()).isLessThan(deadline);
        Thread.sleep(50);
      }
    }
    assertThat(got).isEqualTo(file.getSize());
  }

  @Test
  void whenTheServerIsFullAndTheCallerHoldsItsShareTheRefusalNamesTheCallersShare() {
    stalled("bob", claim("bob"));
    stalled("bob", claim("bob"));
    stalled("dave", claim("dave"));
    String bobs = claim("bob");
    String daves = claim("dave");

    // waiting for other callers would not help bob: his own share is what stops him
    refused(() -> downloadAll("bob", bobs), Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_DOWNLOADS");
    // dave holds one: the server is simply full
    refused(() -> downloadAll("dave", daves), Status.Code.RESOURCE_EXHAUSTED, "SERVER_BUSY");
  }
}
