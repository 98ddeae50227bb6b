package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload stream whose client stops sending while its connection stays up (gRPC keeps an idle stream open for as
 * long as its connection answers pings) held its upload for ever: every resume was refused {@code UPLOAD_BUSY}, and
 * the server kept the stream's buffers. The server stops it after {@code upload-stall-timeout} with UNAVAILABLE /
 * UPLOAD_STALLED, audited, what it received kept, so that the same upload resumes and commits. A client that sends
 * slowly, but sends, is never stopped.
 */
@Timeout(120) // without the stop, the stalled stream would never end
class UploadStallTest {
  static final Duration STALL = Duration.ofSeconds(2);
  @TempDir
  Path data;
  TestServer server;
  Clients clients;
  byte[] envelope;

  @BeforeEach
  void start() {
    server = new TestServer(data, c -> c.withUploads(c.uploads().withStallTimeout(STALL)));
    clients = server.clients();
    Users.publish(clients, server.pki, "alice");
    envelope = Users.seal("alice", Users.randomBytes(3 << 20, 61), "bob").bytes();
  }

  @AfterEach
  void stop() {
    clients.close();
    server.close();
  }

  /** {@link dev.sealdrop.server.testing.AuditRecords#await} on this test's server, for up to 60 s. */
  void awaitAudit(String what, Predicate<Audit.Entry> match) throws Exception {
    dev.sealdrop.server.testing.AuditRecords.await(server.server(), what, match, 60);
  }


  static long committedOffset(TransferServiceGrpc.TransferServiceBlockingStub stub, String uploadId) {
    return stub.withDeadlineAfter(30, TimeUnit.SECONDS).getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId)
        .build()).getCommittedOffset();
  }

  @Test
  void aStalledUploadIsStoppedAndWhatItSentResumes() throws Exception {
    String uploadId = Transfers.createUpload(clients, "alice", envelope.length);
    // the resume that is refused goes on a connection opened ahead: no TLS handshake comes before its refusal
    ManagedChannel resumes = clients.channel("alice");
    TransferServiceGrpc.TransferServiceBlockingStub resumesBlocking = TransferServiceGrpc.newBlockingStub(resumes);
    assertThat(committedOffset(resumesBlocking, uploadId)).isZero();
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    dev.sealdrop.server.testing.CapturedLog logs = new dev.sealdrop.server.testing.CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger uploadLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
        .getLogger("sealdrop.upload");
    uploadLog.addAppender(logs);
    StreamObserver<UploadRequest> stalled = Transfers.openUpload(clients.transferAsync("alice"), result);
    int sent = 1 << 20;
    try {
      stalled.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(uploadId)).build());
      stalled.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(envelope, 0, sent)).build());
      // the server handles a stream's messages on its own executor: wait until this one is attached
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (logs.events().stream().noneMatch(e -> e.getFormattedMessage().equals("upload " + uploadId
          + ": stream attached at offset 0"))) {
        assertThat(System.nanoTime()).as("the stream attached").isLessThan(deadline);
        Thread.sleep(10);
      }
    } finally {
      uploadLog.detachAppender(logs);
    }

    // while it is attached, a resume of the same upload is refused. Until that answer is in, the stream sends on,
    // 64 KiB per quarter of the timeout (at most 1 MiB more), so that on a busy machine the server cannot have stopped
    // it before the resume came.
    CompletableFuture<UploadResponse> resume = Transfers.stream(TransferServiceGrpc.newStub(resumes), uploadId,
        envelope, 0, envelope.length, true);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (int more = 0; !resume.isDone(); ) {
      assertThat(System.nanoTime()).as("the resume was answered within 60 s").isLessThan(deadline);
      try {
        resume.get(STALL.toMillis() / 4, TimeUnit.MILLISECONDS);
      } catch (TimeoutException stillWaiting) {
        if (more++ < 16) {
          stalled.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(envelope, sent, 64 << 10)).build());
          sent += 64 << 10;
        }
      } catch (ExecutionException answered) {
        // checked below
      }
    }
    StatusRuntimeException busy = catchThrowableOfType(StatusRuntimeException.class, () -> Transfers.await(resume));
    assertThat(busy).as("the resume must be refused").isNotNull();
    assertThat(busy.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(busy.getTrailers().get(ErrorMapper.REASON)).isEqualTo("UPLOAD_BUSY");

    // alice sends nothing more and keeps the connection: the server ends the stream
    ExecutionException stopped = catchThrowableOfType(ExecutionException.class,
        () -> result.get(60, TimeUnit.SECONDS));
    assertThat(stopped).as("the stalled stream ends with an error").isNotNull();
    StatusRuntimeException why = (StatusRuntimeException) stopped.getCause();
    assertThat(why.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(why.getTrailers().get(ErrorMapper.REASON)).isEqualTo("UPLOAD_STALLED");
    assertThat(why.getStatus().getDescription()).startsWith("the upload stream of " + uploadId)
        .contains("its client sent nothing for 2 s (upload-stall-timeout)").contains("what was received is kept");
    awaitAudit("the stalled upload's stop", r -> r.action().equals("upload.abort") && r.actor().equals("alice")
        && r.result().equals("upload-stalled"));

    // what it sent was kept: the same upload resumes there and commits the whole envelope
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long offset;
    while ((offset = committedOffset(resumesBlocking, uploadId)) != sent) {
      assertThat(System.nanoTime()).as("committed offset %d, not %d, after 60 s", offset, sent).isLessThan(until);
      Thread.sleep(20);
    }
    UploadResponse done = Transfers.await(Transfers.stream(TransferServiceGrpc.newStub(resumes), uploadId, envelope,
        sent, envelope.length, true));
    assertThat(done.getSize()).isEqualTo(envelope.length);
  }

  @Test
  void aClientThatSendsSlowlyButSendsIsNotStopped() throws Exception {
    String uploadId = Transfers.createUpload(clients, "alice", envelope.length);
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    StreamObserver<UploadRequest> slow = Transfers.openUpload(clients.transferAsync("alice"), result);
    slow.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(uploadId)).build());
    int piece = envelope.length / 12 + 1;
    long started = System.nanoTime();
    for (int off = 0; off < envelope.length; off += piece) {
      slow.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(envelope, off,
          Math.min(piece, envelope.length - off))).build());
      Thread.sleep(STALL.toMillis() / 4);
    }
    slow.onNext(UploadRequest.newBuilder().setFinish(true).build());
    slow.onCompleted();
    UploadResponse done = Transfers.await(result);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the upload lasted longer than the timeout")
        .isGreaterThan(STALL.multipliedBy(2));
    assertThat(done.getSize()).isEqualTo(envelope.length);
  }
}
