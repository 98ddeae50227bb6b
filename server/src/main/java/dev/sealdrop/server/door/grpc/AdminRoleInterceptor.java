package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;

/**
 * The admin listener's gate: only callers holding the admin role get past it, whatever the
 * service; every refusal is audited ({@code admin.refuse}). Install inside
 * {@link PeerIdentityInterceptor}. The core re-checks the role on every operation.
 */
public final class AdminRoleInterceptor implements ServerInterceptor {
  private final Audit audit;

  public AdminRoleInterceptor(Audit audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal caller = PeerIdentityInterceptor.caller();
    if (caller.role() != Role.ADMIN) {
      audit.record(caller.identity(), "admin.refuse", "rpc:" + call.getMethodDescriptor().getBareMethodName(),
          "role-forbidden", AuditingInterceptor.peer(call));
      Metadata trailers = new Metadata();
      trailers.put(ErrorMapper.REASON, Reason.ROLE_FORBIDDEN.name());
      call.close(Status.PERMISSION_DENIED.withDescription("only an admin may use the admin listener; '"
          + caller.identity() + "' is " + (caller.role() == Role.ACQUIRER ? "an " : "a ") + caller.role().key()),
          trailers);
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
