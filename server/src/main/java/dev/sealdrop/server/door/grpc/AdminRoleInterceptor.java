package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.audit.RefusalThrottle;
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
  private final RefusalThrottle refusals;

  /** {@code refusals}: the throttle of refused calls ({@link RefusalThrottle#forCalls}). */
  public AdminRoleInterceptor(RefusalThrottle refusals) {
    this.refusals = Objects.requireNonNull(refusals, "refusals");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal caller = PeerIdentityInterceptor.caller();
    if (caller.role() != Role.ADMIN) {
      refusals.refusedCall("admin.refuse", caller.identity(), "rpc:" + call.getMethodDescriptor().getBareMethodName(),
          "role-forbidden", AuditingInterceptor.peer(call), java.util.Map.of());
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
