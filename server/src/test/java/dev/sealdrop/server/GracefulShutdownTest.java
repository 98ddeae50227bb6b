package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
   * Round AG: an upload cut when the grace ended was not audited: its stream's end (on the call executor) came after
   * {@code server.stop} had closed the audit log, which refuses any record after it.
   */
  @Test
  void anUploadCutAtTheEndOfTheGraceIsAuditedBeforeTheStop() throws Exception {
    TestServer server = new TestServer(data, c -> {
      dev.sealdrop.server.config.ServerConfig.Network n = c.network();
      return c.withNetwork(new dev.sealdrop.server.config.ServerConfig.Network(n.host(), n.port(), n.handshakeTimeout(),
          n.maxConnectionIdle(), n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
          n.maxConcurrentCallsPerConnection(), java.time.Duration.ofMillis(300)));
    });
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
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 51), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
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
    TestServer server = new TestServer(data);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 53), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      CreateGrantResponse other = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      CreateGrantResponse later = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      String startedUpload = Transfers.createUpload(clients, "alice", sealed.bytes().length);
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      RedeemResponse otherClaim = clients.transfer("bob").redeem(RedeemRequest.newBuilder()
          .setToken(other.getToken()).build());
      // one download ends just before the shutdown: its client still verifies and writes the file (round BI)
      CreateGrantResponse done = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      RedeemResponse doneClaim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(done.getToken())
          .build());
      assertThat(Transfers.download(clients.transfer("bob"), doneClaim.getClaimId(), 0)).isEqualTo(sealed.bytes());
      Iterator<DownloadResponse> it = clients.transfer("bob").download(DownloadRequest.newBuilder()
          .setClaimId(claim.getClaimId()).build());
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      got.writeBytes(it.next().getData().toByteArray());
      // bob has read one message; the rest waits on his flow-control window while the server shuts down
      CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, threads);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        try {
          Transfers.createUpload(clients, "alice", 1);
        } catch (StatusRuntimeException e) {
          assertThat(e.getTrailers().get(Statuses.REASON)).as(e.getStatus().toString()).isEqualTo("SHUTTING_DOWN");
          break;
        }
        assertThat(System.nanoTime()).as("the shutdown began").isLessThan(deadline);
        Thread.sleep(10);
      }
      // new transfers are refused while the running one goes on
      Statuses.refused(() -> clients.transfer("bob").download(DownloadRequest.newBuilder()
          .setClaimId(otherClaim.getClaimId()).build()).next(), Status.Code.UNAVAILABLE, "SHUTTING_DOWN");
      Statuses.refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(later.getToken())
          .build()), Status.Code.UNAVAILABLE, "SHUTTING_DOWN");
      // an upload created before the shutdown cannot open its stream during it either
      StatusRuntimeException upload = org.assertj.core.api.Assertions.catchThrowableOfType(() -> Transfers.await(
          Transfers.stream(clients, "alice", startedUpload, sealed.bytes(), 0, 1 << 20, true)),
          StatusRuntimeException.class);
      assertThat(upload.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(upload.getTrailers().get(Statuses.REASON)).isEqualTo("SHUTTING_DOWN");
      it.forEachRemaining(r -> got.writeBytes(r.getData().toByteArray()));
      assertThat(got.toByteArray()).isEqualTo(sealed.bytes());
      // the closing call of the finished download gets through
      Transfers.confirm(clients, "bob", claim.getClaimId(), sealed.fingerprint());
      // and that of the one finished before the shutdown, even after longer than the 2 s a closing call is given
      Thread.sleep(SealdropServer.CLOSING_CALL_WAIT.toMillis() + 500);
      Transfers.confirm(clients, "bob", doneClaim.getClaimId(), sealed.fingerprint());
      closing.get(30, TimeUnit.SECONDS);
      String log = Files.readString(data.resolve("audit").resolve("audit.jsonl"));
      assertThat(log).contains("\"grant.consume\"").contains("\"download.complete\"");
    }
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
