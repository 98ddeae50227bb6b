package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review DJ: a maintenance round writes its acts (a lapsed claim settled, an idle upload expired, a retention purge) to
 * the database, then records them. A graceful stop did not wait for a round still running: it wrote server.stop, after
 * which the log takes no record, so the round's acts went unrecorded, and the next start, finding a clean stop, did not
 * look for them. The stop waits for the round, and its records come before server.stop.
 */
class ShutdownWaitsForMaintenanceTest {
  private static final Duration WINDOW = Duration.ofMinutes(30);

  @TempDir
  Path data;

  @Test
  void aGracefulStopWaitsForTheMaintenanceRoundRunningAndItsRecordsComeBeforeTheStop() throws Exception {
    TestServer server = new TestServer(data, c -> c.withClaimWindow(WINDOW));
    String grantId;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(4 << 20, 81), "bob")
          .bytes()).getFileId();
      var grant = Transfers.grant(clients, "alice", fileId, "bob");
      grantId = grant.getGrant().getGrantId();
      String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(grant.getToken()).build())
          .getClaimId();
      ManagedChannel ch = clients.channel("bob");
      Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(ch)
          .download(DownloadRequest.newBuilder().setClaimId(claim).build());
      it.next();
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
    server.clock.advance(WINDOW.plusMinutes(1)); // the claim lapses: the next round settles it

    CountDownLatch inRound = new CountDownLatch(1);
    CountDownLatch goOn = new CountDownLatch(1);
    server.server().runOnMaintenanceThread(() -> {
      inRound.countDown();
      try {
        goOn.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.server().runMaintenance();
    });
    assertThat(inRound.await(10, TimeUnit.SECONDS)).isTrue();
    Thread stopping = new Thread(server::close, "stopping");
    stopping.start();
    stopping.join(1_000);
    assertThat(stopping.isAlive()).as("the stop waits for the round running").isTrue();
    goOn.countDown();
    stopping.join(30_000);
    assertThat(stopping.isAlive()).isFalse();

    server.start();
    try {
      List<Audit.Entry> log = server.server().audit().tail(10_000);
      int stop = indexOf(log, "server.stop");
      int lapse = -1;
      for (int i = 0; i < log.size(); i++) {
        Audit.Entry e = log.get(i);
        if (e.action().equals("grant.release") && e.object().equals("grant:" + grantId)
            && "claim-lapsed".equals(e.details().get("cause"))) {
          lapse = i;
        }
      }
      assertThat(lapse).as("the lapsed claim's record, in the run that settled it: " + log).isBetween(0, stop);
    } finally {
      server.close();
    }
  }

  private static int indexOf(List<Audit.Entry> log, String action) {
    for (int i = 0; i < log.size(); i++) {
      if (log.get(i).action().equals(action)) {
        return i;
      }
    }
    return -1;
  }
}
