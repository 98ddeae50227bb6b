package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.core.identity.Principal;
import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Audits the refusals ({@code call.refuse}) of the transfer port's calls that the core does not
 * audit itself, the listings and lookups: refused permission or authentication, or refused as
 * malformed ({@code INVALID_ARGUMENT}: an empty or malformed upload id or identity name, which the
 * core refuses before any lookup, as it does for the acts it audits). Only the call is named, never
 * the value it was given. Uploads, key publication, grants,
 * redemptions, downloads and SSH keys are audited by the core services, whatever door they came
 * through (see docs/admin.md). Within the audit log's budget of refusals a minute, the rest summed
 * ({@link RefusalThrottle#forCalls}). Install inside {@link PeerIdentityInterceptor}.
 */
public final class AuditingInterceptor implements ServerInterceptor {
  /** RPCs (bare method names) whose outcome, refusals included, the core audits. */
  static final Set<String> CORE_AUDITED = Set.of("CreateUpload", "Upload", "AbandonUpload", "PublishBundle",
      "CreateGrant", "RevokeGrant", "Redeem", "Download", "ConfirmDownload", "ReleaseClaim", "AddSshKey",
      "RemoveSshKey", "DeleteFile");

  private final RefusalThrottle refusals;

  /** {@code refusals}: the throttle of refused calls ({@link RefusalThrottle#forCalls}). */
  public AuditingInterceptor(RefusalThrottle refusals) {
    this.refusals = Objects.requireNonNull(refusals, "refusals");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    if (CORE_AUDITED.contains(method)) {
      return next.startCall(call, headers);
    }
    Principal caller = PeerIdentityInterceptor.caller();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        Status.Code c = status.getCode();
        if (c == Status.Code.PERMISSION_DENIED || c == Status.Code.UNAUTHENTICATED
            || c == Status.Code.INVALID_ARGUMENT) {
          String reason = trailers == null ? null : trailers.get(ErrorMapper.REASON);
          String result = (reason != null ? reason : c.name()).toLowerCase(Locale.ROOT).replace('_', '-');
          refusals.refusedCall(caller, "rpc:" + method, result);
        }
        super.close(status, trailers);
      }
    }, headers);
  }

  static String peer(ServerCall<?, ?> call) {
    SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return dev.sealdrop.server.core.identity.Origin.peerOf(a);
  }
}
