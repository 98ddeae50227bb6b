package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.ReleaseClaimRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.upload.UploadPolicy;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 6: turning lockdown on cuts uploads and downloads already streaming (gRPC door), not only new ones. */
class LockdownInFlightTest extends OneServerPerMethod {
  /** Progress is recorded every 64 KiB, so the test can see an upload attached and streaming. */
  @Override
  protected ServerConfig configure(ServerConfig c) {
    return c.withUploads(new UploadPolicy(c.uploads().maxUploadBytes(), c.uploads().quotaBytes(), 64 * 1024,
        c.uploads().abandonAfter(), c.uploads().stallTimeout()));
  }

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
  }

  /** Carol's admin connection, opened once (each {@code admins.admin} call opens a new one). */
  private AdminServiceGrpc.AdminServiceBlockingStub carol;

  AdminServiceGrpc.AdminServiceBlockingStub carol() {
    if (carol == null) {
      carol = admins.admin("carol");
    }
    return carol.withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Opens carol's admin connection ahead, so that a lockdown's act does not wait for a TLS handshake. */
  void warmAdmin() {
    carol().getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
  }

  void lockdown(boolean on) {
    carol().setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason(on ? "breach" : "clear").build());
  }

  List<AuditEntry> audit() {
    return carol().tailAudit(TailAuditRequest.newBuilder().setCount(500).build()).getEntriesList();
  }

  /** Polls alice's upload until it has committed more than nothing (a checkpoint every 64 KiB); fails after 60 s. */
  long awaitCheckpoint(String uploadId) throws InterruptedException {
    TransferServiceGrpc.TransferServiceBlockingStub alice = TransferServiceGrpc.newBlockingStub(
        clients.channel("alice"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      long offset = alice.withDeadlineAfter(30, TimeUnit.SECONDS).getUpload(GetUploadRequest.newBuilder()
          .setUploadId(uploadId).build()).getCommittedOffset();
      if (offset > 0) {
        return offset;
      }
      assertThat(System.nanoTime()).as("the streaming upload recorded a checkpoint within 60 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** An upload of alice's, half sent on a stream that stays open (no finish): in flight. */
  private record InFlight(byte[] envelope, String uploadId, CompletableFuture<UploadResponse> streaming) {}

  InFlight halfUploaded(int seed) throws InterruptedException {
    byte[] envelope = Users.seal("alice", Users.randomBytes(2 << 20, seed), "bob").bytes();
    String uploadId = Transfers.createUpload(clients, "alice", envelope.length);
    CompletableFuture<UploadResponse> streaming = Transfers.stream(clients, "alice", uploadId, envelope, 0,
        envelope.length / 2, false);
    assertThat(awaitCheckpoint(uploadId)).isPositive();
    return new InFlight(envelope, uploadId, streaming);
  }

  /**
   * Waits for the cut upload's end to be audited: the server ends the closed stream's upload (its progress kept) when
   * gRPC reports the call closed, on its own thread; only then may the same upload resume.
   */
  void awaitUploadAbortRecorded() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (audit().stream().noneMatch(e -> e.getAction().equals("upload.abort"))) {
      assertThat(System.nanoTime()).as("the cut upload's end was audited within 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void anUploadStreamingWhenLockdownGoesOnFailsAtOnceWithLockedDownAndCommitsNothing() throws Exception {
    InFlight upload = halfUploaded(21);
    byte[] envelope = upload.envelope();
    String uploadId = upload.uploadId();
    CompletableFuture<UploadResponse> streaming = upload.streaming();
    warmAdmin();

    lockdown(true);
    // from the act's answer: the cut is made within it, and its own writes (fsyncs of the database and the audit log)
    // are no part of how soon the stream learns it
    long t0 = System.nanoTime();
    ExecutionException failed = catchThrowableOfType(ExecutionException.class,
        () -> streaming.get(60, TimeUnit.SECONDS));
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(failed).as("the upload stream must fail, not wait for more data").isNotNull();
    StatusRuntimeException cut = (StatusRuntimeException) failed.getCause();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");
    // at once, not after the 10-minute stall timeout (the bound leaves room for a busy machine)
    assertThat(millis).as("cut within 10 s").isLessThan(10_000);
    assertThat(clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getFileId()).as("nothing committed").isEmpty();
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList()).isEmpty();
    awaitUploadAbortRecorded();
    assertThat(audit()).filteredOn(e -> e.getAction().equals("upload.abort"))
        .extracting(AuditEntry::getResult).containsExactly("locked-down");

    // lifting the lockdown restores service: the same upload resumes where it stopped and commits
    lockdown(false);
    long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getCommittedOffset();
    UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", uploadId, envelope, (int) offset,
        envelope.length, true));
    assertThat(done.getSize()).isEqualTo(envelope.length);
  }

  /**
   * Review RE: an upload cut by a lockdown is kept to resume once it is lifted (admin.md), but it expired as idle (a day
   * by default) while the lockdown refused every resume, and its owner had to send the whole file again. Its idle time
   * counts from the lift.
   */
  @Test
  void anUploadCutByALockdownDoesNotExpireWhileItCannotBeResumed() throws Exception {
    InFlight upload = halfUploaded(24);
    byte[] envelope = upload.envelope();
    String uploadId = upload.uploadId();
    warmAdmin();
    lockdown(true);
    assertThat(catchThrowableOfType(ExecutionException.class, () -> upload.streaming().get(60, TimeUnit.SECONDS)))
        .isNotNull();
    awaitUploadAbortRecorded();

    server.clock.advance(java.time.Duration.ofHours(30)); // a lockdown longer than upload-abandon-after (24 h)
    server.server().runMaintenance();
    lockdown(false);
    server.clock.advance(java.time.Duration.ofHours(23)); // idle for less than a lifetime since the lift
    server.server().runMaintenance();
    assertThat(audit()).noneMatch(e -> e.getAction().equals("upload.abort") && e.getResult().equals("upload-expired"));

    long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getCommittedOffset();
    assertThat(offset).isPositive();
    UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", uploadId, envelope, (int) offset,
        envelope.length, true));
    assertThat(done.getSize()).isEqualTo(envelope.length);
  }

  @Test
  void aDownloadStreamingWhenLockdownGoesOnFailsAtOnceWithLockedDownAndResumesAfterwards() throws Exception {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(8 << 20, 22), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    // 8 MiB: far more than the flow-control windows, so the stream is still running when it is cut
    Iterator<DownloadResponse> it = clients.transfer("bob").withDeadlineAfter(60, TimeUnit.SECONDS)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(it.next().getData().size()).isPositive();
    warmAdmin();

    lockdown(true);
    // from the act's answer: the cut is made within it, and its own writes (fsyncs of the database and the audit log)
    // are no part of how soon the stream learns it
    long t0 = System.nanoTime();
    StatusRuntimeException cut = catchThrowableOfType(StatusRuntimeException.class, () -> {
      while (it.hasNext()) {
        it.next();
      }
    });
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(cut).as("the stream must be cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");
    // at once, not after the 10-minute stall timeout (the bound leaves room for a busy machine)
    assertThat(millis).as("cut within 10 s").isLessThan(10_000);
    // the cut stream was unregistered within the act; the act's own call (an admin's, counted too) when gRPC reports
    // it ended, which may come after its answer reached carol
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.server().liveCalls().size() != 0) {
      assertThat(System.nanoTime()).as("no transfer left running: %d calls live after 10 s",
          server.server().liveCalls().size()).isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(audit()).filteredOn(e -> e.getAction().startsWith("download."))
        .extracting(AuditEntry::getAction, AuditEntry::getResult)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("download.abort", "locked-down"));

    // lifting it restores service: the claim downloads from the start
    lockdown(false);
    assertThat(Transfers.download(clients.transfer("bob"), claim, 0)).isEqualTo(sealed.bytes());
  }

  @Test
  void aClaimIsReleasedDuringALockdownButItsGrantIsRedeemedOnlyOnceTheLockdownIsLifted() {
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(64 << 10, 23), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    lockdown(true);
    // giving a grant back consumes nothing and moves no byte: docs/protocol.md allows it during a lockdown
    Grant back = clients.transfer("bob").releaseClaim(ReleaseClaimRequest.newBuilder().setClaimId(claim).build())
        .getGrant();
    assertThat(back.getState()).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
    assertThat(audit()).anySatisfy(e -> {
      assertThat(e.getAction()).isEqualTo("grant.release");
      assertThat(e.getResult()).isEqualTo("ok");
    });
    // but the lockdown still stops every transfer: no new claim and no byte of the old one
    StatusRuntimeException redeem = catchThrowableOfType(StatusRuntimeException.class, () -> clients.transfer("bob")
        .redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build()));
    assertThat(redeem.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(redeem.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");
    StatusRuntimeException download = catchThrowableOfType(StatusRuntimeException.class,
        () -> Transfers.download(clients.transfer("bob"), claim, 0));
    assertThat(download.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(download.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");

    lockdown(false);
    String again = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    assertThat(Transfers.download(clients.transfer("bob"), again, 0)).isEqualTo(sealed.bytes());
  }
}
