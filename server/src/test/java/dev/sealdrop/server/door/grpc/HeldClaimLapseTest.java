package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Round AO: a claim whose window ended while the server kept its holder from going on (a lockdown refuses every
 * download; the owner's disable suspends its grants) was counted as an interrupted claim for the bytes handed out
 * before, and three such lapses used up a one-time grant nobody had received, though both refusals say "nothing is
 * used up". A lapse then gives the grant back without counting; one that ends while the holder could go on still counts.
 */
class HeldClaimLapseTest extends OneServerPerMethod {
  private static final Duration WINDOW = Duration.ofMinutes(30);

  @Override
  protected ServerConfig configure(ServerConfig config) {
    return config.withClaimWindow(WINDOW);
  }

  private String grantedFile() {
    Users.publish(clients, server.pki, "alice");
    String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(8 << 20, 71), "bob")
        .bytes()).getFileId();
    return Transfers.grant(clients, "alice", fileId, "bob").getToken();
  }

  /** Redeems {@code token}, reads two download messages (bytes handed out), then drops the connection. */
  private void startDownloadThenBreak(String token) throws InterruptedException {
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
    ManagedChannel ch = clients.channel("bob");
    Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(ch)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    it.next();
    it.next();
    ch.shutdownNow();
    ch.awaitTermination(5, TimeUnit.SECONDS);
  }

  private Grant theGrant() {
    return clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList().get(0);
  }

  private void lockdown(boolean on) {
    admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason("maintenance").build());
  }

  private void enabled(String name, boolean on) {
    if (on) {
      admins.admin("carol").enableIdentity(dev.sealdrop.protocol.v1.EnableIdentityRequest.newBuilder()
          .setIdentity(name).build());
    } else {
      admins.admin("carol").disableIdentity(dev.sealdrop.protocol.v1.DisableIdentityRequest.newBuilder()
          .setIdentity(name).setReason("audit").build());
    }
  }

  private List<Audit.Entry> releases() throws java.io.IOException {
    return server.server().audit().tail(1_000).stream().filter(e -> e.action().equals("grant.release")).toList();
  }

  @Test
  void claimsThatLapseDuringALockdownDoNotUseUpTheGrant() throws Exception {
    String token = grantedFile();
    for (int round = 1; round <= 3; round++) {
      startDownloadThenBreak(token);
      lockdown(true);
      server.clock.advance(WINDOW.plusSeconds(1));
      server.server().runMaintenance();
      lockdown(false);
      Grant g = theGrant();
      assertThat(g.getState()).as("round %d", round).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
      assertThat(g.getDownloadsUsed()).isZero();
    }
    assertThat(releases()).hasSize(3).allSatisfy(e -> assertThat(e.details()).containsEntry("cause", "claim-lapsed")
        .doesNotContainKey("interrupted"));
    // the same lapse while the holder could go on is an interrupted claim, as before
    startDownloadThenBreak(token);
    server.clock.advance(WINDOW.plusSeconds(1));
    server.server().runMaintenance();
    assertThat(releases()).last().satisfies(e -> assertThat(e.details()).containsEntry("interrupted", "yes"));
  }

  /**
   * A claim that lapsed while its grant was suspended by its sender's disable (round AO), or while its holder was
   * disabled (review DI: an admin's disable of the holder closes its download and keeps it from resuming, and its gRPC
   * claim counted as an interrupted one where the same cut over SFTP did not), does not use the grant up.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0} disabled")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"alice", "bob"})
  void claimsThatLapseWhileTheSenderOrTheHolderIsDisabledDoNotUseTheGrantUp(String disabled) throws Exception {
    String token = grantedFile();
    for (int round = 1; round <= 3; round++) {
      startDownloadThenBreak(token);
      enabled(disabled, false);
      server.clock.advance(WINDOW.plusSeconds(1));
      server.server().runMaintenance();
      enabled(disabled, true);
      Grant g = theGrant();
      assertThat(g.getState()).as("round %d", round).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
      assertThat(g.getDownloadsUsed()).isZero();
    }
    assertThat(releases()).hasSize(3).allSatisfy(e -> assertThat(e.details()).doesNotContainKey("interrupted"));
  }

  /**
   * Round AT: settled by the minute's sweep, a claim was judged by the state at the sweep, not at its end: one that
   * lapsed during a lockdown but was swept after the lift counted, and one that lapsed before the lockdown, swept
   * during it, did not. Switching the lockdown settles the claims due first.
   */
  @Test
  void aClaimIsJudgedByWhetherItsHolderCouldGoOnWhenItsWindowEndedNotWhenItIsSwept() throws Exception {
    String token = grantedFile();
    startDownloadThenBreak(token);
    lockdown(true);
    server.clock.advance(WINDOW.plusSeconds(1)); // lapses during the lockdown, not swept before the lift
    lockdown(false);
    server.server().runMaintenance();
    assertThat(releases()).singleElement().satisfies(e -> assertThat(e.details()).doesNotContainKey("interrupted"));

    startDownloadThenBreak(token);
    server.clock.advance(WINDOW.plusSeconds(1)); // lapses while the holder could go on, swept during a lockdown
    lockdown(true);
    server.server().runMaintenance();
    lockdown(false);
    assertThat(releases()).hasSize(2).last().satisfies(e -> assertThat(e.details()).containsEntry("interrupted",
        "yes"));
  }
}
