package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The maintenance round lists the OPEN uploads, then closes those it found abandoned (idle past upload-abandon-after,
 * or started with a certificate revoked since). A resume that started and ended between the listing and the close
 * moved the upload's activity, or recorded its new certificate: the close must see that and keep the upload (it
 * closed it anyway, deleting the data the owner had just resumed). The window is opened deterministically: another
 * writer holds the database's write lock while the round lists and comes to its close, and the resume's trace is
 * written in that writer's transaction.
 */
class ExpiryAfterItsListingTest extends OneServerPerMethod {

  @Test
  void anIdleUploadResumedBetweenTheListingAndTheCloseIsKept() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 91), "bob").bytes();
    String upload = leaveUnfinished(envelope);
    server.clock.advance(Duration.ofHours(25)); // idle past the default upload-abandon-after (a day)

    raceTheMaintenance("UPDATE uploads SET updated_at = ? WHERE id = ?", server.clock.instant().toEpochMilli(), upload);

    assertKeptAndResumable(upload, envelope);
  }

  @Test
  void anUploadResumedWithANewCertificateBetweenTheListingAndTheCloseIsKept() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 92), "bob").bytes();
    String upload = leaveUnfinished(envelope);
    String current = server.pki.certificate("alice").getSerialNumber().toString(16);
    // started with an earlier certificate of alice's (before a `keys renew`), which an admin then revoked
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        PreparedStatement ps = c.prepareStatement("UPDATE uploads SET made_with_serial = ? WHERE id = ?")) {
      ps.setString(1, "badc0ffee");
      ps.setString(2, upload);
      assertThat(ps.executeUpdate()).isOne();
    }
    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice")
        .setCertificateSerial("badc0ffee").setReason("old laptop").build());

    // the resume with alice's current certificate records it (UploadService.resume -> recordResumedWith)
    raceTheMaintenance("UPDATE uploads SET made_with_serial = ? WHERE id = ?", current, upload);

    assertKeptAndResumable(upload, envelope);
  }

  /**
   * Holds the database's write lock, runs a maintenance round (it lists, then waits to write its close), writes
   * {@code sql} with the two arguments in the held transaction and commits it, then lets the round finish.
   */
  private void raceTheMaintenance(String sql, Object first, String upload) throws Exception {
    ExecutorService round = Executors.newSingleThreadExecutor();
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement st = other.createStatement()) {
      st.execute("BEGIN IMMEDIATE");
      Future<?> maintenance = round.submit(() -> server.server().runMaintenance());
      Thread.sleep(500); // it lists (readers are not blocked) and comes to its close, which waits for the lock
      assertThat(maintenance.isDone()).as("the round waits to write its close").isFalse();
      try (PreparedStatement ps = other.prepareStatement(sql)) {
        ps.setObject(1, first);
        ps.setString(2, upload);
        assertThat(ps.executeUpdate()).isOne();
      }
      st.execute("COMMIT");
      maintenance.get(30, TimeUnit.SECONDS);
    } finally {
      round.shutdownNow();
    }
  }

  private void assertKeptAndResumable(String upload, byte[] envelope) throws Exception {
    Path part = data.resolve("tmp").resolve(upload + ".part");
    assertThat(part).as("the resumed upload's data is kept").exists();
    assertThat(server.server().audit().tail(30)).noneMatch(r -> r.object().equals("upload:" + upload)
        && r.action().equals("upload.abort") && r.actor().equals("server"));
    long offset = Transfers.awaitCommittedOffset(clients, "alice", upload, o -> o > 0);
    UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", upload, envelope, (int) offset,
        envelope.length, true));
    assertThat(Files.readAllBytes(data.resolve("blobs").resolve(done.getFileId()))).isEqualTo(envelope);
  }

  /** Streams the first half of {@code envelope} as a new upload on a channel cut after 1 MiB arrived; returns once some is durable. */
  private String leaveUnfinished(byte[] envelope) throws Exception {
    String upload = Transfers.createUpload(clients, "alice", envelope.length);
    ManagedChannel doomed = clients.channel("alice");
    var cut = Transfers.stream(TransferServiceGrpc.newStub(doomed), upload, envelope, 0, envelope.length / 2, false);
    Path part = data.resolve("tmp").resolve(upload + ".part");
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!(Files.exists(part) && Files.size(part) > (1 << 20)) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    doomed.shutdownNow();
    doomed.awaitTermination(5, TimeUnit.SECONDS);
    cut.handle((r, t) -> t).get(10, TimeUnit.SECONDS);
    assertThat(Transfers.awaitCommittedOffset(clients, "alice", upload, o -> o > 0)).isPositive();
    return upload;
  }
}
