package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Context;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that never learned its claim id (its receive stopped right after the redeem was accepted, or the answer was
 * lost on the way) held the grant CLAIMED for the claim window: its re-run was refused GRANT_CLAIMED for an hour
 * (rounds BL, BM, BO). A redeem that repeats the redeem key of the open claim it made, on which no byte was handed out,
 * now gets a new claim in its place. Negative cases first: no key, another key, bytes already handed out, a malformed
 * key, and concurrent redeems with their own keys (exactly one still wins).
 */
class RedeemAgainTest {
  private static final String KEY = "sdr_" + "K".repeat(43);

  @TempDir
  Path data;

  private static RedeemRequest redeem(CreateGrantResponse g, String key) {
    return RedeemRequest.newBuilder().setToken(g.getToken()).setRedeemKey(key).build();
  }

  @Test
  void aClaimedGrantIsRefusedToARedeemWithoutTheClaimsKeyAndToAMalformedKey() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      UploadResponse f = Transfers.upload(clients, "alice", Users.seal("alice", new byte[1000], "bob").bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      refused(() -> clients.transfer("bob").redeem(redeem(g, "sdr_short")), Status.Code.INVALID_ARGUMENT,
          "INVALID_REQUEST");
      RedeemResponse first = clients.transfer("bob").redeem(redeem(g, KEY));

      refused(() -> clients.transfer("bob").redeem(redeem(g, "")), Status.Code.FAILED_PRECONDITION, "GRANT_CLAIMED");
      refused(() -> clients.transfer("bob").redeem(redeem(g, "sdr_" + "L".repeat(43))), Status.Code.FAILED_PRECONDITION,
          "GRANT_CLAIMED");
      // the key is the client's own: another identity with it is refused as for any grant not addressed to it
      refused(() -> clients.transfer("dave").redeem(redeem(g, KEY)), Status.Code.PERMISSION_DENIED, "NOT_RECIPIENT");

      // nothing was replaced: the first claim still downloads the file
      assertThat(Transfers.download(clients.transfer("bob"), first.getClaimId(), 0)).hasSize((int) g.getGrant().getSize());
      assertThat(server.server().audit().tail(200)).noneMatch(r -> GrantService.REDEEMED_AGAIN.equals(
          r.details().get("cause")));
    }
  }

  @Test
  void aRedeemWithTheKeyOfAClaimOnWhichNothingWasHandedOutReplacesItAndTheGrantStaysOneTime() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(3 << 20, 47), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      String grantObject = "grant:" + g.getGrant().getGrantId();

      RedeemResponse lost = clients.transfer("bob").redeem(redeem(g, KEY)); // its answer never reached the client
      RedeemResponse again = clients.transfer("bob").redeem(redeem(g, KEY));
      assertThat(again.getClaimId()).isNotEqualTo(lost.getClaimId()).startsWith("sdc_");
      assertThat(again.getClaimExpiresAtMillis()).isGreaterThanOrEqualTo(lost.getClaimExpiresAtMillis());

      // the replaced claim hands out nothing, and cannot be confirmed or released
      refused(() -> Transfers.download(clients.transfer("bob"), lost.getClaimId(), 0), Status.Code.FAILED_PRECONDITION,
          "CLAIM_CLOSED");
      refused(() -> Transfers.confirm(clients, "bob", lost.getClaimId(), sealed.fingerprint()),
          Status.Code.FAILED_PRECONDITION, "CLAIM_CLOSED");

      assertThat(Transfers.download(clients.transfer("bob"), again.getClaimId(), 0)).isEqualTo(sealed.bytes());
      Transfers.confirm(clients, "bob", again.getClaimId(), sealed.fingerprint());
      // one-time: the key redeems nothing more once the grant is used
      refused(() -> clients.transfer("bob").redeem(redeem(g, KEY)), Status.Code.FAILED_PRECONDITION, "GRANT_CONSUMED");

      List<Audit.Entry> records = server.server().audit().tail(200).stream()
          .filter(r -> r.object().equals(grantObject)).toList();
      assertThat(records).filteredOn(r -> r.action().equals("grant.redeem") && r.result().equals("ok")).hasSize(2);
      assertThat(records).filteredOn(r -> r.action().equals("grant.release")).singleElement().satisfies(r -> {
        assertThat(r.actor()).isEqualTo("bob");
        assertThat(r.result()).isEqualTo("ok");
        assertThat(r.details()).containsEntry("cause", GrantService.REDEEMED_AGAIN);
      });
      assertThat(records).filteredOn(r -> r.action().equals("download.complete")).hasSize(1);
      // the key is kept only as its hash: never in the audit log (nor the claim ids)
      assertThat(java.nio.file.Files.readString(data.resolve("audit").resolve("audit.jsonl"))).doesNotContain(KEY)
          .doesNotContain(lost.getClaimId()).doesNotContain(again.getClaimId());
    }
  }

  @Test
  void aClaimOnWhichBytesWereHandedOutIsNotReplacedEvenWithItsKey() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Users.Sealed sealed = Users.seal("alice", Users.randomBytes(3 << 20, 48), "bob");
      UploadResponse f = Transfers.upload(clients, "alice", sealed.bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      RedeemResponse claim = clients.transfer("bob").redeem(redeem(g, KEY));

      // the first chunk arrives, then the download is cut
      Context.CancellableContext cut = Context.current().withCancellation();
      DownloadResponse firstChunk = cut.call(() -> {
        Iterator<DownloadResponse> it = clients.transfer("bob").download(DownloadRequest.newBuilder()
            .setClaimId(claim.getClaimId()).build());
        return it.next();
      });
      cut.cancel(null);
      assertThat(firstChunk.getData().size()).isPositive();

      refused(() -> clients.transfer("bob").redeem(redeem(g, KEY)), Status.Code.FAILED_PRECONDITION, "GRANT_CLAIMED");
      // the claim stands and resumes where it was (once the server has seen the cut stream end)
      dev.sealdrop.server.testing.AuditRecords.awaitEndedDownloads(server.server(), claim.getGrant().getGrantId(), 1);
      byte[] rest = Transfers.download(clients.transfer("bob"), claim.getClaimId(), firstChunk.getData().size());
      assertThat(rest).hasSize(sealed.bytes().length - firstChunk.getData().size());
    }
  }

  @Test
  void concurrentRedeemsWithTheirOwnKeysExactlyOneWins() throws Exception {
    int n = 16;
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      UploadResponse f = Transfers.upload(clients, "alice", Users.seal("alice", new byte[1000], "bob").bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      List<String> results = atOnce(n, i -> {
        try {
          clients.transfer("bob").redeem(redeem(g, String.format("sdr_%043d", i)));
          return "won";
        } catch (io.grpc.StatusRuntimeException e) {
          return e.getTrailers().get(dev.sealdrop.server.testing.Statuses.REASON);
        }
      });
      assertThat(results).filteredOn("won"::equals).hasSize(1);
      assertThat(results).filteredOn(r -> !r.equals("won")).hasSize(n - 1).allMatch("GRANT_CLAIMED"::equals);
    }
  }

  /** Runs {@code redeem} for 0..n-1 on n threads released at once; its answers, in order. */
  private static List<String> atOnce(int n, java.util.function.IntFunction<String> redeem) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<String>> outcomes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int which = i;
        outcomes.add(pool.submit(() -> {
          go.await();
          return redeem.apply(which);
        }));
      }
      go.countDown();
      List<String> results = new ArrayList<>();
      for (Future<String> o : outcomes) {
        results.add(o.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
