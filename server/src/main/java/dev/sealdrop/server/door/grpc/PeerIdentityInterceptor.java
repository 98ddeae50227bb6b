package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The only reader of the TLS session. On every call it takes the client certificate the handshake
 * verified, has {@code core.identity} re-check it (validity, EKU, revocation, identity enabled, role)
 * and puts the resulting {@link Principal} into the gRPC {@link Context}. A long-lived connection
 * or a resumed TLS session therefore never outlives a revocation. No identity is read from
 * request messages or headers.
 */
public final class PeerIdentityInterceptor implements ServerInterceptor {
  private static final Context.Key<Principal> PRINCIPAL = Context.key("sealdrop-principal");

  private final IdentityService identities;
  private final dev.sealdrop.server.core.audit.RefusalThrottle refusals;

  /** On the admin listener: its refusals carry no {@code door}, as none of that listener's records does. */
  private final boolean adminListener;

  /** The transfer listener's: {@code refusals}, the throttle of refused calls ({@code RefusalThrottle.forCalls}). */
  public PeerIdentityInterceptor(IdentityService identities, dev.sealdrop.server.core.audit.RefusalThrottle refusals) {
    this(identities, refusals, false);
  }

  /** {@code adminListener}: whether it guards the admin listener (whose records carry no {@code door}). */
  public PeerIdentityInterceptor(IdentityService identities, dev.sealdrop.server.core.audit.RefusalThrottle refusals,
      boolean adminListener) {
    this.identities = Objects.requireNonNull(identities, "identities");
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.adminListener = adminListener;
  }

  /** The authenticated caller of the current call. */
  static Principal caller() {
    Principal p = PRINCIPAL.get();
    if (p == null) {
      throw new IllegalStateException("server: internal error: a service ran without PeerIdentityInterceptor");
    }
    return p;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal principal;
    Origin origin = Origin.grpc(AuditingInterceptor.peer(call));
    try {
      principal = identities.authenticate(peerCertificate(call), origin);
    } catch (RuntimeException e) {
      io.grpc.StatusRuntimeException s = ErrorMapper.toStatus(e);
      String reason = s.getTrailers() == null ? null : s.getTrailers().get(ErrorMapper.REASON);
      // the core's result where it refused (an identity's revocation is identity-revoked, as every record of it:
      // round DA)
      String result = e instanceof dev.sealdrop.server.core.SealdropException ? Audit.resultOf(e)
          : (reason != null ? reason : s.getStatus().getCode().name()).toLowerCase(java.util.Locale.ROOT)
              .replace('_', '-');
      // with the door it came through, as the transfer port's other call.refuse records (round DA: an identity refused
      // here had none, an unknown method called by an authenticated one had door=grpc); none on the admin listener
      refusals.refusedCall(subjectOf(call.getAttributes()), origin.peer(), adminListener ? null : origin.door(),
          "rpc:" + call.getMethodDescriptor().getBareMethodName(), result);
      call.close(s.getStatus(), s.getTrailers() == null ? new Metadata() : s.getTrailers());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal), call, headers, next);
  }

  /** For the audit of accepted connections: the client certificate's identity (CN), or its subject, or "-". */
  static String subjectOf(io.grpc.Attributes attrs) {
    SSLSession session = attrs.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    try {
      if (session != null && session.getPeerCertificates().length > 0
          && session.getPeerCertificates()[0] instanceof X509Certificate leaf) {
        try {
          return dev.sealdrop.server.core.identity.CertificatePolicy.identityOf(leaf);
        } catch (RuntimeException e) {
          return leaf.getSubjectX500Principal().getName();
        }
      }
    } catch (SSLPeerUnverifiedException e) {
      return "-";
    }
    return "-";
  }

  private static X509Certificate peerCertificate(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      throw Status.UNAUTHENTICATED.withDescription("this server accepts only mutual TLS connections").asRuntimeException();
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        throw new SSLPeerUnverifiedException("no X.509 client certificate");
      }
      return leaf;
    } catch (SSLPeerUnverifiedException e) {
      throw Status.UNAUTHENTICATED.withDescription("a client certificate issued by this server's CA is required")
          .asRuntimeException();
    }
  }
}
