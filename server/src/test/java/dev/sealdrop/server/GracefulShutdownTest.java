package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** close() stops new calls but lets a running download finish within the grace period. */
class GracefulShutdownTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @TempDir
  Path data;

  /**
   * A grace no step of a test comes near, even on a slow, busy machine: the development one (5 s) had to hold every
   * call a test makes after close(), and a test that lets its transfers finish does not wait for it (the drain ends
   * once they and their confirmations are in).
   */
  private static final Duration LONG_GRACE = Duration.ofSeconds(60);

  /** The development configuration with {@code shutdown-grace} set to {@code grace}. */
  private static ServerConfig withGrace(ServerConfig c, Duration grace) {
    ServerConfig.Network n = c.network();
    return c.withNetwork(new ServerConfig.Network(n.host(), n.port(), n.handshakeTimeout(), n.maxConnectionIdle(),
        n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
        n.maxConcurrentCallsPerConnection(), grace));
  }

  /**
   * TransferService on {@code channel}, with a fresh deadline for the one call made with it: calls on a channel that
   * is already connected do not each wait for a TLS handshake ({@link Clients#transfer} opens a new channel each time).
   */
  private static TransferServiceGrpc.TransferServiceBlockingStub on(ManagedChannel channel) {
    return TransferServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static void confirm(ManagedChannel channel, String claimId, String fingerprint) {
    on(channel).confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claimId).setFingerprint(fingerprint)
        .build());
  }

  /**
   * Round AG: an upload cut when the grace ended was not audited: its stream's end (on the call executor) came after
   * {@code server.stop} had closed the audit log, which refuses any record after it.
   */
  @Test
  void anUploadCutAtTheEndOfTheGraceIsAuditedBeforeTheStop() throws Exception {
    TestServer server = new TestServer(data, c -> withGrace(c, Duration.ofMillis(300)));
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      byte[] envelope = Users.seal("alice", Users.randomBytes(4 << 20, 52), "alice").bytes();
      String id = Transfers.createUpload(clients, "alice", envelope.length);
      Transfers.stream(dev.sealdrop.protocol.v1.TransferServiceGrpc.newStub(clients.channel("alice")), id, envelope, 0,
          1 << 20, false); // the stream stays open, unfinished
      Path part = data.resolve("tmp").resolve(id + ".part");
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((!Files.exists(part) || Files.size(part) == 0) && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(Files.exists(part) && Files.size(part) > 0).as("the stream attached and wrote before the shutdown")
          .isTrue();
      server.close();
    }
    java.util.List<String> lines = Files.readAllLines(data.resolve("audit").resolve("audit.jsonl"));
    int abort = -1;
    int stop = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("\"upload.abort\"")) {
        abort = i;
      }
      if (lines.get(i).contains("\"server.stop\"")) {
        stop = i;
      }
    }
    assertThat(abort).as("the cut upload is audited").isNotNegative();
    assertThat(abort).as("before the stop").isLessThan(stop);
  }

  @Test
  void aRunningDownloadFinishesDuringAGracefulShutdown() throws Exception {
    // the rest of the download is read after close(): within the grace, however slow this machine is
    TestServer server = new TestServer(data, c -> withGrace(c, LONG_GRACE));
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 51), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      ManagedChannel bob = clients.channel("bob");
      RedeemResponse claim = on(bob).redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      // on a connection of its own: its unread data fills that connection's flow-control window
      Iterator<DownloadResponse> it = clients.transfer("bob").download(DownloadRequest.newBuilder()
          .setClaimId(claim.getClaimId()).build());
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      got.writeBytes(it.next().getData().toByteArray());
      // bob has read one message; the rest waits on his flow-control window while the server closes
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      StatusRuntimeException lostAtTheEnd = null;
      try {
        it.forEachRemaining(r -> got.writeBytes(r.getData().toByteArray()));
      } catch (StatusRuntimeException e) {
        lostAtTheEnd = e;
      }
      if (lostAtTheEnd == null) {
        // as bob's client does: the shutdown ends once it is in (the port awaits it, not the end of the grace)
        confirm(bob, claim.getClaimId(), sealed.fingerprint());
      }
      closing.get(30, TimeUnit.SECONDS);
      // The server let the call run to its end: every byte served, none cut.
      String log = Files.readString(data.resolve("audit").resolve("audit.jsonl"));
      assertThat(log).contains("\"download.complete\"").doesNotContain("\"download.abort\"");
      if (lostAtTheEnd == null) {
        assertThat(got.toByteArray()).isEqualTo(sealed.bytes());
      } else {
        // A TCP race of any graceful close, not a cut: bob's last WINDOW_UPDATE can reach the socket the
        // server closed after its final frame, and the kernel's RST then discards what bob had not read
        // yet. His CLI resumes such a download under the same claim.
        assertThat(lostAtTheEnd.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(lostAtTheEnd.getStatus().getDescription()).contains("GOAWAY");
      }
    }
  }

  /**
   * A download that finishes during the shutdown can still be confirmed: the transfer port stays open while transfers
   * run (round BH: gRPC's shutdown refused every new call at once, and the receive failed at its last step with exit
   * 8), while every new upload, redeem or transfer stream is refused as SHUTTING_DOWN.
   */
  @Test
  void aDownloadThatFinishesDuringTheShutdownIsConfirmedWhileNewTransfersAreRefused() throws Exception {
    // every step after close() is within the grace, however slow this machine is; the drain ends as soon as the
    // confirmations are in, not at the grace's end
    TestServer server = new TestServer(data, c -> withGrace(c, LONG_GRACE));
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      // the calls after close() go on these, connected before it
      ManagedChannel alice = clients.channel("alice");
      ManagedChannel bob = clients.channel("bob");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 53), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = grant(alice, f.getFileId());
      CreateGrantResponse other = grant(alice, f.getFileId());
      CreateGrantResponse later = grant(alice, f.getFileId());
      CreateGrantResponse done = grant(alice, f.getFileId());
      String startedUpload = on(alice).createUpload(CreateUploadRequest.newBuilder()
          .setExpectedSize(sealed.bytes().length).build()).getUploadId();
      RedeemResponse claim = on(bob).redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      RedeemResponse otherClaim = on(bob).redeem(RedeemRequest.newBuilder().setToken(other.getToken()).build());
      RedeemResponse doneClaim = on(bob).redeem(RedeemRequest.newBuilder().setToken(done.getToken()).build());
      // on a connection of its own: its unread data fills that connection's flow-control window, which would hold up
      // the answers of other calls on it
      Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(clients.channel("bob"))
          .withDeadlineAfter(60, TimeUnit.SECONDS).download(DownloadRequest.newBuilder().setClaimId(claim.getClaimId())
              .build());
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      got.writeBytes(it.next().getData().toByteArray());
      // one download ends just before the shutdown: its client still verifies and writes the file (round BI)
      long doneStarted = System.nanoTime();
      assertThat(Transfers.download(on(bob), doneClaim.getClaimId(), 0)).isEqualTo(sealed.bytes());
      // bob has read one message of the other; the rest waits on his flow-control window while the server shuts down
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          on(alice).createUpload(CreateUploadRequest.newBuilder().setExpectedSize(1).build());
        } catch (StatusRuntimeException e) {
          assertThat(e.getTrailers().get(Statuses.REASON)).as(e.getStatus().toString()).isEqualTo("SHUTTING_DOWN");
          break;
        }
        assertThat(System.nanoTime()).as("the shutdown began").isLessThan(deadline);
        Thread.sleep(10);
      }
      // new transfers are refused while the running one goes on
      Statuses.refused(() -> on(bob).download(DownloadRequest.newBuilder().setClaimId(otherClaim.getClaimId()).build())
          .next(), Status.Code.UNAVAILABLE, "SHUTTING_DOWN");
      Statuses.refused(() -> on(bob).redeem(RedeemRequest.newBuilder().setToken(later.getToken()).build()),
          Status.Code.UNAVAILABLE, "SHUTTING_DOWN");
      // an upload created before the shutdown cannot open its stream during it either
      StatusRuntimeException upload = org.assertj.core.api.Assertions.catchThrowableOfType(() -> Transfers.await(
          Transfers.stream(TransferServiceGrpc.newStub(alice), startedUpload, sealed.bytes(), 0, 1 << 20, true)),
          StatusRuntimeException.class);
      assertThat(upload.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(upload.getTrailers().get(Statuses.REASON)).isEqualTo("SHUTTING_DOWN");
      it.forEachRemaining(r -> got.writeBytes(r.getData().toByteArray()));
      assertThat(got.toByteArray()).isEqualTo(sealed.bytes());
      // the closing call of the finished download gets through
      confirm(bob, claim.getClaimId(), sealed.fingerprint());
      // and that of the one finished before the shutdown, even after longer than the 2 s a closing call is given
      Thread.sleep(SealdropServer.CLOSING_CALL_WAIT.toMillis() + 500);
      try {
        confirm(bob, doneClaim.getClaimId(), sealed.fingerprint());
      } catch (StatusRuntimeException e) {
        // the port awaits a confirmation for SealdropServer.CONFIRMATION_WAIT after the download was served (a fixed
        // 10 s): a machine too slow to come this far within it shows nothing either way; one that did, and was
        // refused, fails the test
        // against the documented 10 s, not the constant: a shortened wait must fail here, not skip (review ES)
        assertThat(SealdropServer.CONFIRMATION_WAIT).as("docs/admin.md's confirmation wait")
            .isEqualTo(Duration.ofSeconds(10));
        Assumptions.assumeTrue(System.nanoTime() - doneStarted < Duration.ofSeconds(10).toNanos(),
            "this machine took longer than the confirmation wait to get here: " + e.getStatus());
        throw e;
      }
      closing.get(30, TimeUnit.SECONDS);
      String log = Files.readString(data.resolve("audit").resolve("audit.jsonl"));
      assertThat(log).contains("\"grant.consume\"").contains("\"download.complete\"");
    }
  }

  private static CreateGrantResponse grant(ManagedChannel owner, String fileId) {
    return on(owner).createGrant(CreateGrantRequest.newBuilder().setFileId(fileId).setRecipient("bob").build());
  }

  /**
   * A download served to its last byte whose claim then ends without a confirmation (its file purged) awaits none: a
   * shutdown does not keep the transfer port open for it (it did, for up to ten seconds, session 45's last read).
   */
  @Test
  void aServedClaimWhoseFileIsPurgedAwaitsNoConfirmation() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(1 << 20, 54), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed.bytes());
      assertThat(server.server().confirmationsAwaited()).isEqualTo(1);
      try (dev.sealdrop.server.testing.AdminClients admins = new dev.sealdrop.server.testing.AdminClients(server)) {
        admins.admin("carol").purgeFile(dev.sealdrop.protocol.v1.PurgeFileRequest.newBuilder().setFileId(f.getFileId())
            .build());
      }
      assertThat(server.server().confirmationsAwaited()).isZero();
    }
  }
}
