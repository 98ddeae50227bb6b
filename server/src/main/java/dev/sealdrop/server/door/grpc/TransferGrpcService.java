package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.AbandonUploadRequest;
import dev.sealdrop.protocol.v1.AbandonUploadResponse;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.ConfirmDownloadResponse;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.CreateUploadResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.GetUploadResponse;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListFilesResponse;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.ListGrantsResponse;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.ListInboxResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.ReleaseClaimRequest;
import dev.sealdrop.protocol.v1.ReleaseClaimResponse;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.RevokeGrantResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.grant.DownloadSession;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.grant.IssuedGrant;
import dev.sealdrop.server.core.grant.Redemption;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadService;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/** TransferService: uploads, grants, redemption and downloads. Translation only; policy is in the core. */
public final class TransferGrpcService extends TransferServiceGrpc.TransferServiceImplBase {
  private final UploadService uploads;
  private final GrantService grants;
  private final dev.sealdrop.server.core.admin.FileRemoval removal;
  private final int uploadChunkBytes;
  /** The server's timer for the answers that wait after an upload's finish ({@link UploadCall}). */
  private final java.util.concurrent.ScheduledExecutorService timer;
  private final dev.sealdrop.server.core.identity.LiveSessions sessions;

  public TransferGrpcService(UploadService uploads, GrantService grants,
      dev.sealdrop.server.core.admin.FileRemoval removal, int uploadChunkBytes,
      java.util.concurrent.ScheduledExecutorService timer, dev.sealdrop.server.core.identity.LiveSessions sessions) {
    this.sessions = java.util.Objects.requireNonNull(sessions, "sessions");
    this.removal = java.util.Objects.requireNonNull(removal, "removal");
    this.uploads = uploads;
    this.grants = grants;
    this.uploadChunkBytes = uploadChunkBytes;
    this.timer = java.util.Objects.requireNonNull(timer, "timer");
  }

  @Override
  public void createUpload(CreateUploadRequest request, StreamObserver<CreateUploadResponse> out) {
    dev.sealdrop.server.core.identity.Principal caller = PeerIdentityInterceptor.caller();
    Unary.run(out, () -> CreateUploadResponse.newBuilder()
        .setUploadId(uploads.create(caller, request.getExpectedSize(), request.getIntendedRecipientsList(),
            Duration.ofSeconds(request.getIntendedExpiresInSeconds()), request.getIntendedMaxDownloads()).id())
        .setMaxMessageBytes(uploadChunkBytes)
        .build(), unsent -> uploads.abandonUnanswered(caller, unsent.getUploadId())); // or nobody knows its id
  }

  @Override
  public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> out) {
    ServerCallStreamObserver<UploadResponse> call = (ServerCallStreamObserver<UploadResponse>) out;
    call.disableAutoRequest();
    UploadCall upload = new UploadCall(uploads, PeerIdentityInterceptor.caller(), call, uploadChunkBytes, timer);
    call.request(UploadCall.MESSAGES_AHEAD);
    return upload;
  }

  @Override
  public void getUpload(GetUploadRequest request, StreamObserver<GetUploadResponse> out) {
    Unary.run(out, () -> {
      Upload u = uploads.getToResume(PeerIdentityInterceptor.caller(), request.getUploadId(),
          Duration.ofSeconds(request.getIntendedExpiresInSeconds()), request.getIntendedMaxDownloads());
      // closed unfinished: nothing to resume from (it answered the offset its deleted data had reached; outside test);
      // nor is a committed upload whose file was deleted since (round CU: it looked unfinished and resumable)
      boolean closed = u.state() != dev.sealdrop.server.core.upload.UploadState.OPEN
          && (u.state() != dev.sealdrop.server.core.upload.UploadState.COMMITTED || u.fileId() == null);
      return GetUploadResponse.newBuilder().setUploadId(u.id()).setCommittedOffset(closed ? 0 : u.committedOffset())
          .setFileId(u.fileId() == null ? "" : u.fileId()).setClosed(closed).build();
    });
  }

  @Override
  public void abandonUpload(AbandonUploadRequest request, StreamObserver<AbandonUploadResponse> out) {
    Unary.run(out, () -> {
      UploadService.Abandoned a = uploads.abandon(PeerIdentityInterceptor.caller(), request.getUploadId());
      return AbandonUploadResponse.newBuilder().setUploadId(a.uploadId()).setBytesFreed(a.bytesFreed())
          .setAlreadyClosed(a.alreadyClosed()).build();
    });
  }

  @Override
  public void listFiles(ListFilesRequest request, StreamObserver<ListFilesResponse> out) {
    Unary.run(out, () -> {
      Page<StoredFile> page = uploads.listFiles(PeerIdentityInterceptor.caller(), request.getPageSize(),
          request.getPageToken());
      return ListFilesResponse.newBuilder().addAllFiles(page.items().stream().map(ProtoMapper::file).toList())
          .setNextPageToken(page.nextPageToken()).build();
    });
  }

  @Override
  public void createGrant(CreateGrantRequest request, StreamObserver<CreateGrantResponse> out) {
    dev.sealdrop.server.core.identity.Principal caller = PeerIdentityInterceptor.caller();
    Unary.run(out, () -> {
      // negative terms are the core's to refuse (GrantPolicy.terms), after the role check and audited (review DN: the
      // door refused them first, unrecorded, and told an acquirer INVALID_ARGUMENT instead of ROLE_FORBIDDEN)
      IssuedGrant issued = grants.create(caller, request.getFileId(), request.getRecipient(),
          Duration.ofSeconds(request.getExpiresInSeconds()), request.getMaxDownloads());
      return CreateGrantResponse.newBuilder().setGrant(ProtoMapper.grant(issued.grant())).setToken(issued.token())
          .build();
    }, unsent -> grants.revokeUnanswered(caller, unsent.getGrant().getGrantId())); // or it holds a live-grant place
  }

  @Override
  public void listGrants(ListGrantsRequest request, StreamObserver<ListGrantsResponse> out) {
    Unary.run(out, () -> {
      Page<Grant> page = grants.listCreated(PeerIdentityInterceptor.caller(), request.getPageSize(),
          request.getPageToken());
      return ListGrantsResponse.newBuilder().addAllGrants(page.items().stream().map(ProtoMapper::grant).toList())
          .setNextPageToken(page.nextPageToken()).build();
    });
  }

  @Override
  public void deleteFile(dev.sealdrop.protocol.v1.DeleteFileRequest request,
      StreamObserver<dev.sealdrop.protocol.v1.DeleteFileResponse> out) {
    Unary.run(out, () -> {
      dev.sealdrop.server.core.admin.FileRemoval.Removed r = removal.deleteOwn(PeerIdentityInterceptor.caller(),
          request.getFileId());
      return dev.sealdrop.protocol.v1.DeleteFileResponse.newBuilder().setFileId(r.fileId())
          .setGrantsDeleted(r.grantsDeleted()).setDownloadsCut(r.downloadsCut()).build();
    });
  }

  @Override
  public void revokeGrant(RevokeGrantRequest request, StreamObserver<RevokeGrantResponse> out) {
    Unary.run(out, () -> {
      GrantService.Revoked r = grants.revoke(PeerIdentityInterceptor.caller(), request.getGrantId());
      return RevokeGrantResponse.newBuilder().setGrant(ProtoMapper.grant(r.grant())).setAlreadyRevoked(r.already())
          .build();
    });
  }

  @Override
  public void listInbox(ListInboxRequest request, StreamObserver<ListInboxResponse> out) {
    Unary.run(out, () -> {
      Page<Grant> page = grants.inbox(PeerIdentityInterceptor.caller(), request.getPageSize(), request.getPageToken());
      return ListInboxResponse.newBuilder().addAllGrants(page.items().stream().map(ProtoMapper::grant).toList())
          .setNextPageToken(page.nextPageToken()).build();
    });
  }

  @Override
  public void redeem(RedeemRequest request, StreamObserver<RedeemResponse> out) {
    dev.sealdrop.server.core.identity.Principal caller = PeerIdentityInterceptor.caller();
    Unary.run(out, () -> {
      Redemption r = grants.redeem(caller, request.getToken(), request.getRedeemKey());
      return RedeemResponse.newBuilder().setClaimId(r.claimSecret()).setGrant(ProtoMapper.grant(r.grant()))
          .setClaimExpiresAtMillis(r.claimExpiresAt().toEpochMilli())
          .addAllRecipientKeyFingerprints(r.recipientKeyFingerprints()).build();
    }, unsent -> grants.releaseUnanswered(caller, unsent.getClaimId())); // or the grant stays claimed for nobody
  }

  @Override
  public void download(DownloadRequest request, StreamObserver<DownloadResponse> out) {
    DownloadSession session;
    try {
      session = grants.openDownload(PeerIdentityInterceptor.caller(), request.getClaimId(), request.getOffset());
    } catch (RuntimeException e) {
      out.onError(ErrorMapper.toStatus(e));
      return;
    }
    DownloadCall.start(session, (ServerCallStreamObserver<DownloadResponse>) out, sessions);
  }

  @Override
  public void confirmDownload(ConfirmDownloadRequest request, StreamObserver<ConfirmDownloadResponse> out) {
    Unary.run(out, () -> ConfirmDownloadResponse.newBuilder().setGrant(ProtoMapper.grant(
        grants.confirm(PeerIdentityInterceptor.caller(), request.getClaimId(), request.getFingerprint()))).build());
  }

  @Override
  public void releaseClaim(ReleaseClaimRequest request, StreamObserver<ReleaseClaimResponse> out) {
    Unary.run(out, () -> ReleaseClaimResponse.newBuilder().setGrant(ProtoMapper.grant(
        grants.release(PeerIdentityInterceptor.caller(), request.getClaimId()))).build());
  }
}
