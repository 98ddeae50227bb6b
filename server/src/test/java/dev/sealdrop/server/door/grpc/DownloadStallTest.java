package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
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
    return claim(clients.transfer("bob"));
  }

  /** A new claim of bob's on the file, redeemed through {@code bob}. */
  String claim(TransferServiceGrpc.TransferServiceBlockingStub bob) {
    String token = Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
    return bob.withDeadlineAfter(30, TimeUnit.SECONDS).redeem(RedeemRequest.newBuilder().setToken(token).build())
        .getClaimId();
  }

  byte[] downloadFrom(String claimId, long offset) {
    return downloadFrom(clients.transfer("bob"), claimId, offset);
  }

  static byte[] downloadFrom(TransferServiceGrpc.TransferServiceBlockingStub bob, String claimId, long offset) {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    bob.withDeadlineAfter(30, TimeUnit.SECONDS)
        .download(DownloadRequest.newBuilder().setClaimId(claimId).setOffset(offset).build())
        .forEachRemaining(r -> got.writeBytes(r.getData().toByteArray()));
    return got.toByteArray();
  }

  /** {@link dev.sealdrop.server.testing.AuditRecords#await} on this test's server, for up to 60 s. */
  Audit.Entry awaitAudit(String what, Predicate<Audit.Entry> match) throws Exception {
    return dev.sealdrop.server.testing.AuditRecords.await(server.server(), what, match, 60);
  }


  @Test
  void aStalledDownloadIsStoppedItsSlotFreedAndItsClaimResumes() throws Exception {
    // Both claims are redeemed first, and the refused download goes on a connection already open: nothing slow (a TLS
    // handshake, a redeem's database and audit writes) comes between the stalled stream's start and that refusal.
    ManagedChannel ch = clients.channel("bob");
    ManagedChannel warm = clients.channel("bob");
    try {
      String stalledClaim = claim();
      TransferServiceGrpc.TransferServiceBlockingStub otherStub = TransferServiceGrpc.newBlockingStub(warm);
      String other = claim(otherStub); // opens the refused download's connection
      Iterator<DownloadResponse> stalled = TransferServiceGrpc.newBlockingStub(ch)
          .download(DownloadRequest.newBuilder().setClaimId(stalledClaim).build());
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.writeBytes(stalled.next().getData().toByteArray());
      // while the stalled stream holds bob's one slot, his other download is refused. Until that answer is in, the
      // stream is read on, a message per quarter of the timeout (at most 6 of its 16 MiB), so that on a busy machine
      // the server cannot have stopped it, and freed the slot, before the other download asked for one.
      CompletableFuture<Throwable> busy = CompletableFuture.supplyAsync(
          () -> catchThrowable(() -> downloadFrom(otherStub, other, 0)), r -> {
            Thread t = new Thread(r, "other-download");
            t.setDaemon(true);
            t.start();
          });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (int kept = 0; !busy.isDone(); ) {
        assertThat(System.nanoTime()).as("the other download was answered within 60 s").isLessThan(deadline);
        try {
          busy.get(STALL.toMillis() / 4, TimeUnit.MILLISECONDS);
        } catch (TimeoutException stillWaiting) {
          if (kept++ < 6) {
            head.writeBytes(stalled.next().getData().toByteArray());
          }
        }
      }
      Throwable refusal = busy.get();
      refused(() -> {
        if (refusal != null) {
          throw refusal;
        }
      }, Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_DOWNLOADS");

      // bob reads nothing for longer than the timeout: the server stops the stream (audited); then bob gets what the
      // transport had buffered, and the end
      awaitAudit("the stalled download's stop", r -> r.action().equals("download.abort") && r.actor().equals("bob")
          && r.result().equals("download-stalled"));
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
