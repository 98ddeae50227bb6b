package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that receives as many upload streams as it may at once (max-upload-streams) refuses one more as busy
 * ({@code SERVER_BUSY}); nothing is lost. {@code send} does not give up at once: it seals into its spool, says the
 * server is busy, waits, resumes once a slot is free, and the recipient gets the file whole.
 */
class BusyServerSendTest {
  @TempDir
  Path root;
  SealdropServer server;
  ManagedChannel holder;

  @AfterEach
  void stop() {
    if (holder != null) {
      holder.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aSendRefusedAsBusyWaitsAndUploadsOnceASlotIsFree() throws Exception {
    refusedThenSent("erin", "server-busy", "the server is busy (it receives as many uploads as it may at once, or is"
        + " short of memory); trying again in ");
  }

  /** The same when alice's own other upload (another machine of hers, a pipeline) holds the slot: her share. */
  @Test
  void aSendRefusedForTheCallersOwnShareWaitsAndUploadsOnceOneEnds() throws Exception {
    refusedThenSent("alice", "too-many-upload-streams", "you have as many uploads running as the server lets one"
        + " identity have; trying again in ");
  }

  /** {@code holderName}'s stream holds the only slot; alice's send is refused with {@code result}, waits, and sends. */
  private void refusedThenSent(String holderName, String result, String note) throws Exception {
    Path certs = root.resolve("certs");
    DevPki pki = DevPki.loadOrCreate(certs);
    ServerConfig config = ServerConfig.development(root.resolve("data"), certs);
    server = SealdropServer.start(config.withUploads(config.uploads().withUploadStreams(1, 1)));
    String address = "127.0.0.1:" + server.port();
    Cli alice = Users.init(pki, root, "alice", address);
    Cli bob = Users.init(pki, root, "bob", address);
    for (Cli c : new Cli[] {alice, bob}) {
      c.run("keys", "publish").assertExit(0);
    }

    // another upload takes the server's only upload slot and sends nothing
    if (!holderName.equals("alice")) {
      pki.issue(dev.sealdrop.certsdev.CertSpec.client(holderName));
      server.identities().registerAll(java.util.Map.of(holderName, dev.sealdrop.server.core.identity.Role.TRANSFEROR));
      Users.init(pki, root, holderName, address).run("keys", "publish").assertExit(0);
    }
    holder = new ChannelFactory(pki.certFile(holderName), pki.keyFile(holderName), pki.caCertFile())
        .open(HostPort.parse(address));
    String held = TransferServiceGrpc.newBlockingStub(holder).createUpload(CreateUploadRequest.getDefaultInstance())
        .getUploadId();
    StreamObserver<UploadRequest> stream = TransferServiceGrpc.newStub(holder).upload(new StreamObserver<>() {
      @Override
      public void onNext(UploadResponse value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    stream.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(held)).build());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (server.uploads().streamsRunning() != 1) {
      assertThat(System.nanoTime()).as("the holder's stream attached").isLessThan(deadline);
      Thread.sleep(10);
    }

    byte[] bytes = new byte[6 << 20]; // more than the flow-control window: the first attempt cannot hide in buffers
    new Random(9).nextBytes(bytes);
    Path file = Files.write(root.resolve("customers.bin"), bytes);
    CompletableFuture<CliRun> send = CompletableFuture.supplyAsync(
        () -> alice.run("--json", "send", file.toString(), "--to", "bob"));
    // the send is refused as busy at least once before the slot frees
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.audit().tail(50).stream().noneMatch(r -> result.equals(r.result()))) {
      assertThat(System.nanoTime()).as("the send was never refused as busy").isLessThan(deadline);
      Thread.sleep(50);
    }
    holder.shutdownNow();

    CliRun r = send.get(120, TimeUnit.SECONDS);
    r.assertExit(0);
    assertThat(r.err()).contains(note);
    assertThat(r.err()).as("the first wait is 1 s and up to half as long again, told in tenths")
        .containsPattern(java.util.regex.Pattern.quote(note) + "1\\.[0-5] s \\(the sealed file is kept");
    assertThat(r.err().split("resuming the interrupted upload", -1)).as("said once, however often it was retried")
        .hasSize(2);
    String token = (String) r.json().get("token");
    Path out = Files.createDirectories(root.resolve("bob-out"));
    bob.run("receive", token, "-o", out.toString()).assertExit(0);
    assertThat(out.resolve("customers.bin")).hasSameBinaryContentAs(file);
  }
}
