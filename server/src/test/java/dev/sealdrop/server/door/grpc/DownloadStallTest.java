package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A download whose client stops reading while its connection stays up (gRPC flow control just
 * stalls the stream) would keep its slot for ever: the server stops it after
 * {@code download-stall-timeout} with UNAVAILABLE / DOWNLOAD_STALLED, audited, its slot free again and
 * its claim untouched (the client resumes from the offset it has). A client that reads slowly, but
 * reads, is never stopped.
 */
@Timeout(120) // without the stop, the stalled stream's reader would wait for ever
class DownloadStallTest {
  static final Duration STALL = Duration.ofSeconds(2);
  @TempDir
  Path data;
  TestServer server;
  Clients clients;
  UploadResponse file;
  byte[] envelope;

  @BeforeEach
  void start() {
    // a share of one: a second download of bob's is refused while the first holds its slot
    server = new TestServer(data, c -> c.withGrants(GrantPolicy.DEFAULT.withMaxDownloadStreamsPerIdentity(1)
        .withDownloadStallTimeout(STALL)));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    // 16 MiB: far more than the flow-control windows, so a stream nobody reads stays open
    envelope = Users.seal("alice", Users.randomBytes(16 << 20, 53), "bob").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  @AfterEach
  void stop() {
    clients.close();
    server.close();
  }

  String claim() {
    String token = Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
    return clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
  }

  byte[] downloadFrom(String claimId, long offset) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    clients.transfer("bob").download(DownloadRequest.newBuilder().setClaimId(claimId).setOffset(offset).build())
        .forEachRemaining(r -> got.writeBytes(r.getData().toByteArray()));
    return got.toByteArray();
  }

  @Test
  void aStalledDownloadIsStoppedItsSlotFreedAndItsClaimResumes() throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try {
      String stalledClaim = claim();
      Iterator<DownloadResponse> stalled = TransferServiceGrpc.newBlockingStub(ch)
          .download(DownloadRequest.newBuilder().setClaimId(stalledClaim).build());
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.writeBytes(stalled.next().getData().toByteArray());
      String other = claim();
      // while the stalled stream holds bob's one slot, his other download is refused
      refused(() -> downloadFrom(other, 0), Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_DOWNLOADS");

      // bob reads nothing for longer than the timeout; then what the transport had buffered, and the end
      Thread.sleep(STALL.toMillis() * 2);
      StatusRuntimeException stopped = catchThrowableOfType(StatusRuntimeException.class, () -> {
        while (stalled.hasNext()) {
          head.writeBytes(stalled.next().getData().toByteArray());
        }
      });
      assertThat(stopped).as("the stalled stream ends with an error, not a complete file").isNotNull();
      assertThat(stopped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(stopped.getTrailers().get(ErrorMapper.REASON)).isEqualTo("DOWNLOAD_STALLED");
      assertThat(stopped.getStatus().getDescription()).startsWith("the download of grant ")
          .contains("its client took nothing for 2 s (download-stall-timeout)").endsWith("nothing is used up");
      assertThat(head.size()).isPositive().isLessThan(envelope.length);
      assertThat(server.server().audit().tail(30)).anySatisfy(r -> {
        assertThat(r.action()).isEqualTo("download.abort");
        assertThat(r.actor()).isEqualTo("bob");
        assertThat(r.result()).isEqualTo("download-stalled");
      });

      // the slot is free: the other claim downloads in full
      assertThat(downloadFrom(other, 0)).isEqualTo(envelope);
      // and nothing was used up: the stopped claim resumes from what bob has, and confirms
      byte[] rest = downloadFrom(stalledClaim, head.size());
      head.writeBytes(rest);
      assertThat(head.toByteArray()).isEqualTo(envelope);
      Transfers.confirm(clients, "bob", stalledClaim, file.getFingerprint());
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientThatReadsSlowlyButReadsIsNotStopped() throws Exception {
    String claimId = claim();
    Iterator<DownloadResponse> stream = clients.transfer("bob")
        .download(DownloadRequest.newBuilder().setClaimId(claimId).build());
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    long started = System.nanoTime();
    while (stream.hasNext()) {
      got.writeBytes(stream.next().getData().toByteArray());
      Thread.sleep(STALL.toMillis() / 8); // one 1 MiB message per quarter of the timeout's half
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the download lasted longer than the timeout")
        .isGreaterThan(STALL.multipliedBy(2));
    assertThat(got.toByteArray()).isEqualTo(envelope);
  }
}
