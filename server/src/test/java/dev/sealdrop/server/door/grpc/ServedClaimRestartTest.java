package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round S: a claim's "every byte served" is marked just before its last bytes are sent, so a crash then may have kept
 * them; when the server's downtime outlasted the claim's window, the restart counted the download, undelivered, and
 * its holder could not get the file. A restart now gives such a claim a whole window from the restart to resume and
 * confirm; left alone, it still counts when that window ends.
 */
class ServedClaimRestartTest {
  private static final Duration WINDOW = Duration.ofMinutes(10);

  @TempDir
  Path data;

  private static Grant current(Clients clients, String grantId) {
    return clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList().stream()
        .filter(g -> g.getGrantId().equals(grantId)).findFirst().orElseThrow();
  }

  /** A grant of alice's to bob, redeemed and downloaded in full, unconfirmed, then a crash and a longer downtime. */
  private record Served(Users.Sealed sealed, String grantId, String claimId) {}

  private static Served servedThenCrashed(TestServer server, long seed) {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(1 << 20, seed), "bob");
    Served served;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build());
      Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0); // served in full, as far as the server knows
      served = new Served(sealed, g.getGrant().getGrantId(), claim.getClaimId());
    }
    server.server().kill();
    server.clock.advance(WINDOW.plusMinutes(5)); // down for longer than the claim's window
    return served;
  }

  @Test
  void aClaimServedInFullBeforeACrashCanBeConfirmedAfterADowntimeLongerThanItsWindow() throws Exception {
    try (TestServer server = new TestServer(data, c -> c.withClaimWindow(WINDOW))) {
      Served served = servedThenCrashed(server, 38);
      Users.Sealed sealed = served.sealed();
      String grantId = served.grantId();
      String claimId = served.claimId();

      server.start();
      try (Clients clients = server.clients()) {
        assertThat(current(clients, grantId).getState()).as("not counted at the restart")
            .isEqualTo(GrantState.GRANT_STATE_CLAIMED);
        // the holder resumes (here: reads it again) and confirms: the download counts as the recipient's
        assertThat(Transfers.download(clients.transfer("bob"), claimId, 0)).isEqualTo(sealed.bytes());
        Transfers.confirm(clients, "bob", claimId, sealed.fingerprint());
        assertThat(current(clients, grantId).getState()).isEqualTo(GrantState.GRANT_STATE_CONSUMED);
        assertThat(server.server().audit().tail(100)).filteredOn(r -> r.action().equals("grant.consume")
            && r.object().equals("grant:" + grantId)).singleElement()
            .satisfies(r -> assertThat(r.actor()).isEqualTo("bob"));
      }
    }
  }

  /**
   * Round AC: a claim whose download a crash cut part-way lapsed during a downtime longer than its window, and the
   * restart counted it as its holder's interrupted claim: three such outages used a one-time grant up, undelivered,
   * though the holder ran receive again each time. The restart gives it a whole window to resume, as one served every
   * byte.
   */
  @Test
  void aClaimServedInPartBeforeACrashIsNotCountedAsInterruptedAfterALongDowntime() throws Exception {
    try (TestServer server = new TestServer(data, c -> c.withClaimWindow(WINDOW))) {
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4 << 20, 40), "bob");
      String grantId;
      String claimId;
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
        CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
        grantId = g.getGrant().getGrantId();
        claimId = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
            .getClaimId();
      }
      for (int outage = 1; outage <= 3; outage++) {
        try (Clients clients = server.clients()) {
          io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
          String claim = claimId;
          java.util.Iterator<dev.sealdrop.protocol.v1.DownloadResponse> part = call.wrap(() -> clients.transfer("bob")
              .download(dev.sealdrop.protocol.v1.DownloadRequest.newBuilder().setClaimId(claim).build())).call();
          assertThat(part.next().getData().size()).as("bytes handed out on the claim").isPositive();
          server.server().kill(); // the crash cuts the download
          call.cancel(null);
        }
        server.clock.advance(WINDOW.plusMinutes(5)); // down for longer than the claim's window
        server.start();
        try (Clients clients = server.clients()) {
          assertThat(current(clients, grantId).getState()).as("outage %d: the claim is the holder's still", outage)
              .isEqualTo(GrantState.GRANT_STATE_CLAIMED);
        }
      }
      try (Clients clients = server.clients()) {
        assertThat(Transfers.download(clients.transfer("bob"), claimId, 0)).isEqualTo(sealed.bytes());
        Transfers.confirm(clients, "bob", claimId, sealed.fingerprint());
        assertThat(current(clients, grantId).getState()).isEqualTo(GrantState.GRANT_STATE_CONSUMED);
        assertThat(server.server().audit().tail(200)).filteredOn(r -> r.object().equals("grant:" + grantId)
            && r.action().startsWith("grant.")).extracting(r -> r.action() + " " + r.actor())
            .doesNotContain("grant.release server", "grant.consume server").contains("grant.consume bob");
      }
    }
  }

  @Test
  void leftAloneAfterTheRestartItStillCountsWhenItsNewWindowEnds() throws Exception {
    try (TestServer server = new TestServer(data, c -> c.withClaimWindow(WINDOW))) {
      String grantId = servedThenCrashed(server, 39).grantId();
      server.start();
      server.clock.advance(WINDOW.plusSeconds(1));
      server.server().runMaintenance();
      try (Clients clients = server.clients()) {
        Grant after = current(clients, grantId);
        assertThat(after.getState()).isEqualTo(GrantState.GRANT_STATE_CONSUMED);
        assertThat(after.getDownloadsUsed()).isEqualTo(1);
      }
    }
  }
}
