package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.PausingClock;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review RK: a graceful stop waited 5 s for the calls it had cancelled, then wrote server.stop (after which the log
 * takes no record) as a clean stop: an admin's act still running (an identity's revocation writing a record per grant
 * it ended) lost its records, its own too, and the next start, finding a clean stop, did not look for them. The stop
 * waits for admin acts, and their records come before server.stop.
 */
class ShutdownWaitsForAdminActsTest {
  @TempDir
  Path data;

  @Test
  void aGracefulStopWaitsForAnAdminsActRunningAndItsRecordsComeBeforeTheStop() throws Exception {
    PausingClock clock = new PausingClock();
    TestServer server = new TestServer(data, c -> c.withClock(clock));
    ExecutorService threads = Executors.newCachedThreadPool();
    String grantId;
    AdminClients admins = new AdminClients(server);
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(2000, 83), "bob")
          .bytes()).getFileId();
      grantId = Transfers.grant(clients, "alice", fileId, "bob").getGrant().getGrantId();

      // held inside bob's revocation, past its checks, before its write
      clock.pauseIn("AdminOperations.lambda$revokeIdentity*", "AdminOperations.revokeIdentity");
      CompletableFuture<?> revoke = CompletableFuture.runAsync(() -> admins.admin("carol").revokeIdentity(
          RevokeIdentityRequest.newBuilder().setIdentity("bob").setReason("left the deal").build()), threads);
      clock.awaitPaused();
      Thread stopping = new Thread(server::close, "stopping");
      stopping.start();
      stopping.join(8_000); // past the 5 s the stop gives the calls it cancelled
      assertThat(stopping.isAlive()).as("the stop waits for the admin's act").isTrue();
      clock.resume();
      stopping.join(60_000);
      assertThat(stopping.isAlive()).isFalse();
      revoke.handle((ok, refused) -> null).get(30, TimeUnit.SECONDS);
    } finally {
      admins.close();
      threads.shutdownNow();
    }

    server.start();
    try {
      List<Audit.Entry> log = server.server().audit().tail(10_000);
      int stop = -1;
      int revoked = -1;
      int grantRevoked = -1;
      for (int i = 0; i < log.size(); i++) {
        Audit.Entry e = log.get(i);
        if (e.action().equals("server.stop") && stop < 0) {
          stop = i;
          assertThat(e.result()).as("every act ended before it: a clean stop").isEqualTo("ok");
        } else if (e.action().equals("admin.identity.revoke") && e.object().equals("identity:bob")) {
          revoked = i;
          assertThat(e.result()).isEqualTo("ok");
        } else if (e.action().equals("grant.revoke") && e.object().equals("grant:" + grantId)) {
          grantRevoked = i;
        }
      }
      assertThat(grantRevoked).as("the grant it ended, recorded in the run that revoked it: " + log).isBetween(0, stop);
      assertThat(revoked).as("the revocation itself, before the stop").isBetween(grantRevoked, stop);
    } finally {
      server.close();
    }
  }
}
