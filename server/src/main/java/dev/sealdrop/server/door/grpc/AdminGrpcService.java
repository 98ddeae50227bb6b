package dev.sealdrop.server.door.grpc;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.AddIdentityResponse;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DisableIdentityResponse;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityResponse;
import dev.sealdrop.protocol.v1.ExportAuditChunk;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.protocol.v1.GetLockdownRequest;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllFilesResponse;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsResponse;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.ListIdentitiesResponse;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.PurgeFileResponse;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantResponse;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityResponse;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.TailAuditResponse;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.admin.AdminOperations;
import dev.sealdrop.server.core.admin.AdminOperations.Caller;
import dev.sealdrop.server.core.audit.Audit;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.stub.StreamObserver;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.util.Objects;

/** The admin listener's service: translation only; the core decides and audits (see admin.proto). */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private static final Context.Key<String> PEER = Context.key("sealdrop-peer");
  private static final int EXPORT_CHUNK = 64 * 1024;
  private final AdminOperations ops;
  private final Audit audit;
  private final Path exportFolder;

  /**
   * {@code exportFolder}: where an export is written before it is sent, the data folder's {@code tmp/} (owner-only,
   * on the data disk, emptied of what is not an upload's at the next start), not the JVM's temporary folder: a crash
   * during a stalled export left a copy of the log in /tmp, and a full /tmp failed exports (outside test).
   */
  public AdminGrpcService(AdminOperations ops, Audit audit, Path exportFolder) {
    this.ops = Objects.requireNonNull(ops, "ops");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.exportFolder = Objects.requireNonNull(exportFolder, "exportFolder");
  }

  /** Puts the caller's remote address in the context, for the audit. Install inside the identity interceptor. */
  public static ServerInterceptor peerInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String peer = dev.sealdrop.server.core.identity.Origin.peerOf(a);
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
      }
    };
  }

  /** The caller of this call, on its own thread: whether the call was given up is read from its context. */
  private static Caller caller() {
    io.grpc.Context call = io.grpc.Context.current();
    return new Caller(PeerIdentityInterceptor.caller(), PEER.get(), call::isCancelled);
  }

  @Override
  public void listIdentities(ListIdentitiesRequest req, StreamObserver<ListIdentitiesResponse> out) {
    Unary.run(out, () -> ListIdentitiesResponse.newBuilder()
        .addAllIdentities(ops.listIdentities(caller()).stream().map(AdminMapper::identity).toList()).build());
  }

  @Override
  public void addIdentity(AddIdentityRequest req, StreamObserver<AddIdentityResponse> out) {
    Unary.run(out, () -> AddIdentityResponse.newBuilder()
        .setIdentity(AdminMapper.identity(ops.addIdentity(caller(), req.getIdentity(), AdminMapper.role(req.getRole()))))
        .build());
  }

  @Override
  public void disableIdentity(DisableIdentityRequest req, StreamObserver<DisableIdentityResponse> out) {
    Unary.run(out, () -> {
      AdminOperations.Switched s = ops.disableIdentity(caller(), req.getIdentity(), req.getReason());
      return DisableIdentityResponse.newBuilder().setIdentity(AdminMapper.identity(s.identity()))
          .setSessionsClosed(s.sessionsClosed()).setDownloadsCut(s.downloadsCut()).setAlreadyDisabled(!s.changed())
          .build();
    });
  }

  @Override
  public void enableIdentity(EnableIdentityRequest req, StreamObserver<EnableIdentityResponse> out) {
    Unary.run(out, () -> {
      AdminOperations.Switched s = ops.enableIdentity(caller(), req.getIdentity());
      return EnableIdentityResponse.newBuilder().setIdentity(AdminMapper.identity(s.identity()))
          .setAlreadyEnabled(!s.changed()).build();
    });
  }

  @Override
  public void revokeIdentity(RevokeIdentityRequest req, StreamObserver<RevokeIdentityResponse> out) {
    Unary.run(out, () -> {
      AdminOperations.Closed c = ops.revokeIdentity(caller(), req.getIdentity(), req.getCertificateSerial(),
          req.getReason());
      return RevokeIdentityResponse.newBuilder().setIdentity(AdminMapper.identity(c.identity()))
          .setSessionsClosed(c.sessionsClosed()).setGrantsRevoked(c.grantsRevoked()).setAlreadyRevoked(!c.changed())
          .setDownloadsCut(c.downloadsCut()).addAllCertificateSeenAs(c.seenAs()).build();
    });
  }

  @Override
  public void listAllGrants(ListAllGrantsRequest req, StreamObserver<ListAllGrantsResponse> out) {
    Unary.run(out, () -> {
      dev.sealdrop.server.core.Page<dev.sealdrop.server.core.grant.Grant> page = ops.listGrants(caller(),
          () -> AdminMapper.state(req.getState()), req.getOwner(), req.getRecipient(), req.getPageSize(),
          req.getPageToken());
      return ListAllGrantsResponse.newBuilder().addAllGrants(page.items().stream().map(AdminMapper::grant).toList())
          .setNextPageToken(page.nextPageToken()).build();
    });
  }

  @Override
  public void revokeAnyGrant(RevokeAnyGrantRequest req, StreamObserver<RevokeAnyGrantResponse> out) {
    Unary.run(out, () -> {
      AdminOperations.RevokedGrant r = ops.revokeGrant(caller(), req.getGrantId(), req.getReason());
      return RevokeAnyGrantResponse.newBuilder().setGrant(AdminMapper.grant(r.grant()))
          .setDownloadsCut(r.downloadsCut()).setAlreadyRevoked(r.already()).build();
    });
  }

  @Override
  public void setLockdown(SetLockdownRequest req, StreamObserver<LockdownState> out) {
    Unary.run(out, () -> {
      AdminOperations.LockdownSwitch s = ops.setLockdown(caller(), req.getOn(), req.getReason());
      LockdownState.Builder answer = AdminMapper.lockdown(s.state()).toBuilder();
      s.replaced().ifPresent(r -> answer.setReplaced(AdminMapper.lockdown(r)));
      s.transfersCut().ifPresent(answer::setTransfersCut);
      return answer.build();
    });
  }

  @Override
  public void getLockdown(GetLockdownRequest req, StreamObserver<LockdownState> out) {
    Unary.run(out, () -> AdminMapper.lockdown(ops.lockdown(caller())));
  }

  @Override
  public void listAllFiles(ListAllFilesRequest req, StreamObserver<ListAllFilesResponse> out) {
    Unary.run(out, () -> {
      dev.sealdrop.server.core.Page<dev.sealdrop.server.core.admin.FileView> page = ops.listFiles(caller(),
          req.getOwner(), req.getPageSize(), req.getPageToken());
      return ListAllFilesResponse.newBuilder().addAllFiles(page.items().stream().map(AdminMapper::file).toList())
          .setNextPageToken(page.nextPageToken()).build();
    });
  }

  @Override
  public void purgeFile(PurgeFileRequest req, StreamObserver<PurgeFileResponse> out) {
    Unary.run(out, () -> {
      AdminOperations.PurgeResult r = ops.purgeFile(caller(), req.getFileId(), req.getReason());
      return PurgeFileResponse.newBuilder().setFileId(r.fileId()).setGrantsDeleted(r.grantsDeleted())
          .setDownloadsCut(r.downloadsCut()).build();
    });
  }

  /**
   * Streams the export: written first to an owner-only temporary file (so the signed checkpoint and
   * the bytes agree, and memory stays bounded), then sent in 64 KiB chunks as the client reads.
   */
  @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
      justification = "the path is a server-created temporary file (Files.createTempFile), never client input")
  @Override
  public void exportAudit(ExportAuditRequest req, StreamObserver<ExportAuditChunk> out) {
    Path[] file = new Path[1];
    try {
      // the temporary file is made within the act: an export refused for want of room is recorded as its attempt
      // (review DR: it left no record)
      Audit.Export export = ops.audited(caller(), "audit.export", () -> {
        try {
          file[0] = Files.createTempFile(exportFolder, "audit-export-", ".jsonl");
        } catch (IOException e) {
          throw new UncheckedIOException("no room for the audit export", e);
        }
        try (OutputStream o = Files.newOutputStream(file[0])) {
          return audit.exportTo(o);
        } catch (IOException e) {
          throw new UncheckedIOException("the audit log could not be exported", e);
        }
      });
      checkExported(file[0], export);
      ExportStream.start(file[0], export, (ServerCallStreamObserver<ExportAuditChunk>) out);
    } catch (RuntimeException | IOException e) {
      if (file[0] != null) {
        deleteQuietly(file[0]);
      }
      out.onError(ErrorMapper.toStatus(e));
    }
  }

  /**
   * Verifies the export against the server's own key before it is sent: a live log altered on disk while the server
   * runs is otherwise noticed only at the next start (outside test: the CLI refused the export, the server recorded it
   * as a plain success and carried on). The export is still sent, as evidence; the server says it at ERROR and
   * records {@code audit.verify-failed} (reason, record) after the export's own record.
   */
  private void checkExported(Path file, Audit.Export export) throws IOException {
    dev.sealdrop.audit.VerificationResult r = dev.sealdrop.audit.AuditVerifier
        .withKey(dev.sealdrop.audit.AuditPublicKey.parse(export.verifierKey())).verify(file);
    if (r.failure().isPresent()) {
      dev.sealdrop.audit.VerificationResult.Failure f = r.failure().get();
      org.slf4j.LoggerFactory.getLogger(AdminGrpcService.class).error("the live audit log does not verify: {} at"
          + " record {}: {}; it was altered on disk while the server runs: keep the export as evidence, and check who"
          + " can write the data folder", f.reason(), f.sequence(), f.message());
      audit.record(Audit.SERVER, "audit.verify-failed", "", f.reason().name().toLowerCase(java.util.Locale.ROOT)
          .replace('_', '-'), "", java.util.Map.of("record", Long.toString(f.sequence())));
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(AdminGrpcService.class).warn("could not delete {}: {}", file, e.toString());
    }
  }

  /** Sends an export file with flow control, then deletes it. */
  private static final class ExportStream {
    private final Path file;
    private final InputStream in;
    private final Audit.Export export;
    private final ServerCallStreamObserver<ExportAuditChunk> out;
    private final byte[] buffer = new byte[EXPORT_CHUNK];
    private boolean first = true;
    private boolean done;

    @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
        justification = "the path is a server-created temporary file (Files.createTempFile), never client input")
    private ExportStream(Path file, Audit.Export export, ServerCallStreamObserver<ExportAuditChunk> out)
        throws IOException {
      this.file = file;
      this.in = Files.newInputStream(file);
      this.export = export;
      this.out = out;
    }

    static void start(Path file, Audit.Export export, ServerCallStreamObserver<ExportAuditChunk> out)
        throws IOException {
      ExportStream s = new ExportStream(file, export, out);
      out.setOnCancelHandler(s::finish);
      // a call an admin's act or a lockdown closes (the exporting admin disabled) ends with its trailers, not a
      // cancel: the copy in tmp/ and its open file are let go then too (review DN: they stayed until the next start)
      out.setOnCloseHandler(s::finish);
      LiveCalls.onForcedClose(s::finish);
      out.setOnReadyHandler(s::drain);
    }

    private synchronized void drain() {
      try {
        while (!done && out.isReady()) {
          int n = in.readNBytes(buffer, 0, buffer.length);
          if (n <= 0 && !first) {
            finish();
            out.onCompleted();
            return;
          }
          ExportAuditChunk.Builder chunk = ExportAuditChunk.newBuilder().setData(ByteString.copyFrom(buffer, 0,
              Math.max(n, 0)));
          if (first) {
            chunk.setVerifierKey(export.verifierKey()).setRecords(export.records());
            first = false;
          }
          out.onNext(chunk.build());
        }
      } catch (IOException | RuntimeException e) {
        if (!done) {
          finish();
          out.onError(ErrorMapper.toStatus(e));
        }
      }
    }

    private synchronized void finish() {
      if (!done) {
        done = true;
        try {
          in.close();
        } catch (IOException e) {
          // nothing more to read; the file is deleted next
        }
        deleteQuietly(file);
      }
    }
  }

  @Override
  public void tailAudit(TailAuditRequest req, StreamObserver<TailAuditResponse> out) {
    Unary.run(out, () -> TailAuditResponse.newBuilder().addAllEntries(ops.audited(caller(), "audit.tail", () -> {
      // checked within the act: a count out of range is recorded as a refused tail (review DR: it left no record)
      int count = req.getCount() == 0 ? 20 : req.getCount();
      if (count < 1 || count > 1000) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST, "count must be 1 to 1000 (0 means 20)");
      }
      try {
        return audit.tail(count);
      } catch (IOException e) {
        throw new UncheckedIOException("the audit log could not be read", e);
      }
    }).stream().map(AdminMapper::entry).toList()).build());
  }
}
