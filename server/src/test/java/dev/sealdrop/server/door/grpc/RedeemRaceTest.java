package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.store.meta.JdbcGrantRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4: 50 concurrent redemptions of one one-time grant over real mTLS; exactly one wins. Issue 8
 * (the redeem write path queues writers in the JVM): the winning claim is on disk when its caller is
 * answered — a copy of the database files taken right then, as a crash would leave them, already
 * holds it — and after a restart the grant stays claimed and only the winner's claim downloads.
 */
class RedeemRaceTest {
  static final int N = 50;
  @TempDir
  Path data;
  @TempDir
  Path crashCopy;

  @Test
  void fiftyConcurrentRedemptionsExactlyOneWins() throws Exception {
    String winner;
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      UploadResponse f = Transfers.upload(clients, "alice", Users.seal("alice", new byte[1000], "bob").bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      List<TransferServiceGrpc.TransferServiceBlockingStub> stubs = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ManagedChannel ch = clients.channel("bob");
        ch.getState(true);
        stubs.add(TransferServiceGrpc.newBlockingStub(ch));
      }
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(N);
      try {
        List<Future<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < N; i++) {
          TransferServiceGrpc.TransferServiceBlockingStub stub = stubs.get(i % stubs.size());
          outcomes.add(pool.submit(() -> {
            go.await();
            try {
              return "WON:" + stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                  .redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build()).getClaimId();
            } catch (StatusRuntimeException e) {
              return e.getStatus().getCode() + "/" + e.getTrailers().get(Statuses.REASON);
            }
          }));
        }
        go.countDown();
        List<String> results = new ArrayList<>();
        for (Future<String> o : outcomes) {
          results.add(o.get(60, TimeUnit.SECONDS));
        }
        assertThat(results).filteredOn(r -> r.startsWith("WON:")).hasSize(1);
        assertThat(results).filteredOn(r -> !r.startsWith("WON:"))
            .hasSize(N - 1).allMatch(r -> r.equals(Status.Code.FAILED_PRECONDITION + "/GRANT_CLAIMED"));
        winner = results.stream().filter(r -> r.startsWith("WON:")).findFirst().orElseThrow().substring(4);
      } finally {
        pool.shutdownNow();
      }
      // Durable before the answer: the database files as they are now (no shutdown, no checkpoint).
      for (String name : List.of("sealdrop.db", "sealdrop.db-wal")) {
        if (Files.exists(data.resolve(name))) {
          Files.copy(data.resolve(name), crashCopy.resolve(name));
        }
      }
      try (Database copy = Database.openSqlite(crashCopy.resolve("sealdrop.db"))) {
        assertThat(new JdbcGrantRepository(copy).find(g.getGrant().getGrantId()).orElseThrow().state())
            .isEqualTo(GrantState.CLAIMED);
      }

      server.close();
      server.start();
      try (Clients again = server.clients()) {
        StatusRuntimeException lost = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
            () -> again.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build()));
        assertThat(lost.getStatus().getCode() + "/" + lost.getTrailers().get(Statuses.REASON))
            .isEqualTo(Status.Code.FAILED_PRECONDITION + "/GRANT_CLAIMED");
        assertThat(Transfers.download(again.transfer("bob"), winner, 0)).hasSize((int) g.getGrant().getSize());
      }
    }
  }
}
