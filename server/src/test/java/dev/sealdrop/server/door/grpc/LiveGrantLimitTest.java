package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round T: one sender could create grants without bound (a script made 350,000, all in their recipient's inbox, every
 * one a row read on each ListInbox). An identity may now have max-live-grants-per-identity live grants: active and
 * unexpired, or claimed. Revoked, used and expired ones do not count.
 */
class LiveGrantLimitTest {
  private static final int MAX = 3;

  @TempDir
  Path data;

  private TestServer limited() {
    return new TestServer(data, c -> c.withGrants(c.grants().withMaxLiveGrantsPerIdentity(MAX)));
  }

  private record Uploaded(Users.Sealed sealed, String fileId) {}

  /** A file of alice's, sealed for bob and uploaded. */
  private static Uploaded uploaded(TestServer server, Clients clients, long seed) {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(4096, seed), "bob");
    Users.publish(clients, server.pki, "alice");
    return new Uploaded(sealed, Transfers.upload(clients, "alice", sealed.bytes()).getFileId());
  }

  private static StatusRuntimeException refusedGrant(Clients clients, String fileId) {
    return Statuses.refused(() -> Transfers.grant(clients, "alice", fileId, "bob"), Status.Code.RESOURCE_EXHAUSTED,
        "TOO_MANY_GRANTS");
  }

  @Test
  void anIdentityHasAtMostTheLiveGrantsTheServerAllowsAndEndedOnesDoNotCount() throws Exception {
    try (TestServer server = limited(); Clients clients = server.clients()) {
      Uploaded file = uploaded(server, clients, 45);
      Users.Sealed sealed = file.sealed();
      String fileId = file.fileId();
      CreateGrantResponse first = Transfers.grant(clients, "alice", fileId, "bob");
      CreateGrantResponse second = Transfers.grant(clients, "alice", fileId, "bob");
      Transfers.grant(clients, "alice", fileId, "bob");

      StatusRuntimeException refused = refusedGrant(clients, fileId);
      assertThat(refused.getStatus().getDescription()).contains("'alice' has 3 live grants")
          .contains("max-live-grants-per-identity").contains("sealdrop grants revoke");
      assertThat(clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsCount())
          .as("nothing stored for the refused one").isEqualTo(MAX);
      assertThat(server.server().audit().tail(5)).filteredOn(r -> r.action().equals("grant.create"))
          .last().satisfies(r -> assertThat(r.result()).isEqualTo("too-many-grants"));

      // a revoked grant frees its place
      clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(first.getGrant().getGrantId())
          .build());
      Transfers.grant(clients, "alice", fileId, "bob");
      refusedGrant(clients, fileId);

      // a claimed one still counts; once its download is confirmed (used), it does not
      RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(second.getToken())
          .build());
      refusedGrant(clients, fileId);
      assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed.bytes());
      Transfers.confirm(clients, "bob", claim.getClaimId(), sealed.fingerprint());
      Transfers.grant(clients, "alice", fileId, "bob");
      refusedGrant(clients, fileId);

      // expired ones do not count
      server.clock.advance(Duration.ofHours(73)); // past the default lifetime, 72 h
      for (int i = 0; i < MAX; i++) {
        Transfers.grant(clients, "alice", fileId, "bob");
      }
      refusedGrant(clients, fileId);
    }
  }

  @Test
  void theLimitIsKeptUnderConcurrentCreates() throws Exception {
    // one thread for each create, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one
    // or two CPUs, JDK-8319447), which ran the creates one after another instead of at once
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(12);
    try (TestServer server = limited(); Clients clients = server.clients()) {
      String fileId = uploaded(server, clients, 46).fileId();
      java.util.List<java.util.concurrent.CompletableFuture<Boolean>> tries = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        tries.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try {
            Transfers.grant(clients, "alice", fileId, "bob");
            return true;
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            return false;
          }
        }, threads));
      }
      assertThat(tries.stream().filter(java.util.concurrent.CompletableFuture::join).count()).isEqualTo(MAX);
      assertThat(clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsCount())
          .isEqualTo(MAX);
      assertThat(server.server().audit().tail(40)).filteredOn(r -> r.action().equals("grant.create"))
          .extracting(Audit.Entry::result).containsOnly("ok", "too-many-grants");
    } finally {
      threads.shutdownNow();
    }
  }
}
