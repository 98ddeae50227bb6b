package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every upload stream holds buffers outside any other budget (round BD: 48 SFTP uploads at once ran a 256 MiB heap
 * out), so the server receives at most {@code max-upload-streams} at once, and one identity at most its share of them.
 * One more is refused at once (RESOURCE_EXHAUSTED, {@code SERVER_BUSY} or {@code TOO_MANY_UPLOAD_STREAMS}), audited,
 * and loses nothing: the refused upload stays open and streams in full once a slot is free.
 */
@Timeout(60)
class UploadStreamCapTest {
  static final int LIMIT = 3;
  static final int SHARE = 2;
  @TempDir
  Path data;
  TestServer server;
  Clients clients;
  byte[] envelope;
  byte[] erinsEnvelope;

  @BeforeEach
  void start() {
    server = new TestServer(data, c -> c.withUploads(c.uploads().withUploadStreams(LIMIT, SHARE)));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    server.pki.issue(CertSpec.client("erin"));
    server.server().identities().registerAll(Map.of("erin", Role.TRANSFEROR));
    Users.publish(clients, server.pki, "erin");
    envelope = Users.seal("alice", Users.randomBytes(1 << 20, 71), "bob").bytes();
    erinsEnvelope = Users.seal("erin", Users.randomBytes(1 << 20, 72), "bob").bytes();
  }

  byte[] envelopeOf(String user) {
    return user.equals("alice") ? envelope : erinsEnvelope;
  }

  @AfterEach
  void stop() {
    clients.close();
    server.close();
  }

  /** A stream that sent its start and a first message, and then nothing: it holds its slot. */
  record Held(StreamObserver<UploadRequest> requests, CompletableFuture<UploadResponse> result) {}

  Held hold(String user) throws InterruptedException {
    int before = server.server().uploads().streamsRunning();
    String id = Transfers.createUpload(clients, user, 0);
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    StreamObserver<UploadRequest> req = Transfers.openUpload(clients.transferAsync(user), result);
    req.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(id)).build());
    req.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(envelopeOf(user), 0, 64 * 1024)).build());
    awaitRunning(n -> n == before + 1); // the server attaches a stream on its own executor
    return new Held(req, result);
  }

  void awaitRunning(IntPredicate expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!expected.test(server.server().uploads().streamsRunning())) {
      assertThat(System.nanoTime()).as("streams running: " + server.server().uploads().streamsRunning())
          .isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  UploadResponse whole(String user, String uploadId) {
    byte[] bytes = envelopeOf(user);
    return Transfers.await(Transfers.stream(clients, user, uploadId, bytes, 0, bytes.length, true));
  }

  @Test
  void oneIdentityHoldsOnlyItsShareAndTheRefusedUploadStreamsOnceOneEnds() throws Exception {
    Held first = hold("alice");
    hold("alice");
    String third = Transfers.createUpload(clients, "alice", envelope.length);

    StatusRuntimeException mine = refused(() -> whole("alice", third), Status.Code.RESOURCE_EXHAUSTED,
        "TOO_MANY_UPLOAD_STREAMS");
    assertThat(mine.getStatus().getDescription()).isEqualTo("'alice' has 2 uploads running, the most one identity may"
        + " have at once (max-upload-streams-per-identity); let one finish, then retry (nothing was lost)");
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("upload.abort");
      assertThat(r.actor()).isEqualTo("alice");
      assertThat(r.object()).isEqualTo("upload:" + third);
      assertThat(r.result()).isEqualTo("too-many-upload-streams");
    });
    assertThat(server.server().uploads().streamsRunning()).as("the refused stream holds no slot").isEqualTo(2);

    // the server-wide cap (3) is not reached: another identity uploads while alice's two stay open
    Held erins = hold("erin");
    assertThat(erins.result()).as("attached, not refused").isNotDone();

    // one of alice's streams ends (its client gives up): the refused upload was kept, and now streams in full
    first.requests().onError(Status.CANCELLED.withDescription("the test gives up").asRuntimeException());
    awaitRunning(n -> n == 2);
    UploadResponse done = whole("alice", third);
    assertThat(done.getSize()).isEqualTo(envelope.length);
    awaitRunning(n -> n == 2);
  }

  @Test
  void aFullServerRefusesAsBusyAndTheCallersShareIsCheckedFirst() throws Exception {
    hold("alice");
    hold("alice");
    Held erins = hold("erin");
    String alices = Transfers.createUpload(clients, "alice", envelope.length);
    String erins2 = Transfers.createUpload(clients, "erin", 0);

    // waiting for other callers would not help alice: her own share is what stops her
    refused(() -> whole("alice", alices), Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_UPLOAD_STREAMS");
    // erin holds one of her two: the server is simply full
    StatusRuntimeException busy = refused(() -> whole("erin", erins2), Status.Code.RESOURCE_EXHAUSTED, "SERVER_BUSY");
    assertThat(busy.getStatus().getDescription()).isEqualTo("server busy: it is receiving 3 uploads, the most it"
        + " receives at once (max-upload-streams); retry in a moment (nothing was lost)");
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("upload.abort");
      assertThat(r.actor()).isEqualTo("erin");
      assertThat(r.result()).isEqualTo("server-busy");
    });

    // erin's held stream ends (its client gives up): a slot frees, and her refused upload, kept, streams in full
    erins.requests().onError(Status.CANCELLED.withDescription("the test gives up").asRuntimeException());
    awaitRunning(n -> n == 2);
    assertThat(whole("erin", erins2).getSize()).isEqualTo(erinsEnvelope.length);
    // alice's own share is still full
    refused(() -> whole("alice", alices), Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_UPLOAD_STREAMS");
  }

  /**
   * Round BE: with the share at the cap (bench/load.sh sets them equal), a caller whose own uploads held every slot was
   * told that the server was busy, and its send waited as if for others. It is its own share, named by the cap's key.
   */
  @Test
  void aCallerHoldingEverySlotIsToldItIsItsOwnShareWhenTheShareIsTheCap() throws Exception {
    server.close();
    server = new TestServer(data.resolve("equal"), c -> c.withUploads(c.uploads().withUploadStreams(2, 2)));
    clients.close();
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    hold("alice");
    hold("alice");
    String third = Transfers.createUpload(clients, "alice", envelope.length);
    StatusRuntimeException mine = refused(() -> whole("alice", third), Status.Code.RESOURCE_EXHAUSTED,
        "TOO_MANY_UPLOAD_STREAMS");
    assertThat(mine.getStatus().getDescription()).isEqualTo("'alice' has 2 uploads running, the most one identity may"
        + " have at once (max-upload-streams); let one finish, then retry (nothing was lost)");
  }
}
