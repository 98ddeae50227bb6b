package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.grant.GrantPolicy;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that serves as many download streams as it may at once refuses one more as busy
 * ({@code SERVER_BUSY}); nothing is used up. {@code receive} does not give up at once: it says the
 * server is busy, waits and asks again, and receives the file once a stream is free.
 */
class BusyServerReceiveTest {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @TempDir
  Path root;
  SealdropServer server;
  ManagedChannel holder;

  @AfterEach
  void stop() {
    threads.shutdownNow();
    if (holder != null) {
      holder.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aReceiveRefusedAsBusyWaitsAndGetsTheFileOnceAStreamIsFree() throws Exception {
    Path certs = root.resolve("certs");
    DevPki pki = DevPki.loadOrCreate(certs);
    server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs).withGrants(
        GrantPolicy.DEFAULT.withMaxDownloadStreams(1)));
    String address = "127.0.0.1:" + server.port();
    Cli alice = Users.init(pki, root, "alice", address);
    Cli bob = Users.init(pki, root, "bob", address);
    for (Cli c : new Cli[] {alice, bob}) {
      c.run("keys", "publish").assertExit(0);
    }
    byte[] bytes = new byte[8 << 20]; // far more than the flow-control windows: a stream nobody reads stays open
    new Random(8).nextBytes(bytes);
    Path big = Files.write(root.resolve("big.bin"), bytes);
    Path deal = Files.writeString(root.resolve("deal.csv"), "customer,revenue\nACME,1000000\n".repeat(500));
    String bigToken = (String) alice.run("--json", "send", big.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    String dealToken = (String) alice.run("--json", "send", deal.toString(), "--to", "bob").assertExit(0).json()
        .get("token");

    // another download (bob's other file, on another machine) takes the server's only stream and stalls
    holder = new ChannelFactory(pki.certFile("bob"), pki.keyFile("bob"), pki.caCertFile()).open(HostPort.parse(address));
    String bigClaim = TransferServiceGrpc.newBlockingStub(holder)
        .redeem(RedeemRequest.newBuilder().setToken(bigToken).build()).getClaimId();
    Iterator<DownloadResponse> stalled = TransferServiceGrpc.newBlockingStub(holder)
        .download(DownloadRequest.newBuilder().setClaimId(bigClaim).build());
    assertThat(stalled.next().getData().size()).isPositive();

    Path out = Files.createDirectories(root.resolve("bob-out"));
    CompletableFuture<CliRun> receive = CompletableFuture.supplyAsync(
        () -> bob.run("receive", dealToken, "-o", out.toString()), threads);
    // bob is refused as busy at least once before the stream frees
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.audit().tail(50).stream().noneMatch(r -> "server-busy".equals(r.result()))) {
      assertThat(System.nanoTime()).as("bob's receive was never refused as busy").isLessThan(deadline);
      Thread.sleep(50);
    }
    holder.shutdownNow();

    CliRun r = receive.get(120, TimeUnit.SECONDS);
    r.assertExit(0);
    assertThat(r.err()).contains("the server is busy").contains("trying again in");
    assertThat(out.resolve("deal.csv")).hasSameBinaryContentAs(deal);
  }
}
