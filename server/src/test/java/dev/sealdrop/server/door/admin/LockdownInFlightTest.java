package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

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

  /** Opens carol's admin connection ahead, so that timing a lockdown does not time a TLS handshake. */
  void warmAdmin() {
    admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
  }

  void lockdown(boolean on) {
    admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason(on ? "breach" : "clear")
        .build());
  }

  List<AuditEntry> audit() {
    return admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(500).build()).getEntriesList();
  }

  @Test
  void anUploadStreamingWhenLockdownGoesOnFailsAtOnceWithLockedDownAndCommitsNothing() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(2 << 20, 21), "bob").bytes();
    String uploadId = Transfers.createUpload(clients, "alice", envelope.length);
    // half the envelope, and the stream stays open (no finish): it is in flight
    CompletableFuture<UploadResponse> streaming = Transfers.stream(clients, "alice", uploadId, envelope, 0,
        envelope.length / 2, false);
    assertThat(Transfers.awaitCommittedOffset(clients, "alice", uploadId, o -> o > 0)).isPositive();
    warmAdmin();

    lockdown(true);
    // from the act's answer: the cut is made within it, and its own writes (fsyncs of the database and the audit log)
    // are no part of how soon the stream learns it
    long t0 = System.nanoTime();
    ExecutionException failed = catchThrowableOfType(ExecutionException.class,
        () -> streaming.get(10, TimeUnit.SECONDS));
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(failed).as("the upload stream must fail, not wait for more data").isNotNull();
    StatusRuntimeException cut = (StatusRuntimeException) failed.getCause();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");
    assertThat(millis).as("cut within a second").isLessThan(1000);
    assertThat(clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getFileId()).as("nothing committed").isEmpty();
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList()).isEmpty();
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

  @Test
  void aDownloadStreamingWhenLockdownGoesOnFailsAtOnceWithLockedDownAndResumesAfterwards() {
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
    assertThat(millis).as("cut within a second").isLessThan(1000);
    assertThat(server.server().liveCalls().size()).as("no transfer left running").isZero();
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
