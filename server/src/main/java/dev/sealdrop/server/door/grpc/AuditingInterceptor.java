package dev.sealdrop.server.door.grpc;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Principal;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Audits the security-relevant calls of the transfer port when they end: who (the certificate
 * identity), what (an action per RPC), on which object (grant, file or upload id taken from the
 * request or response — ids only; tokens and claim ids are never read), the result (ok, or the
 * sealdrop reason / status code) and the peer address. Any call refused for authorisation is
 * audited too. Install inside {@link PeerIdentityInterceptor}.
 */
public final class AuditingInterceptor implements ServerInterceptor {
  /** RPC (bare method name) → action on success; the failure action where it differs. */
  private static final Map<String, String[]> ACTIONS = Map.ofEntries(
      Map.entry("CreateUpload", new String[] {"upload.start", "upload.start"}),
      Map.entry("Upload", new String[] {"upload.commit", "upload.abort"}),
      Map.entry("PublishBundle", new String[] {"key.publish", "key.publish"}),
      Map.entry("CreateGrant", new String[] {"grant.create", "grant.create"}),
      Map.entry("RevokeGrant", new String[] {"grant.revoke", "grant.revoke"}),
      Map.entry("Redeem", new String[] {"grant.redeem", "grant.redeem"}),
      Map.entry("Download", new String[] {"download.complete", "download.abort"}),
      Map.entry("ConfirmDownload", new String[] {"grant.consume", "grant.consume"}),
      Map.entry("AddSshKey", new String[] {"sshkey.add", "sshkey.add"}),
      Map.entry("RemoveSshKey", new String[] {"sshkey.remove", "sshkey.remove"}));
  /** The only fields ever copied from messages: identifiers, never secrets. */
  private static final Set<String> ID_FIELDS = Set.of("grant_id", "file_id", "upload_id");

  private final Audit audit;

  public AuditingInterceptor(Audit audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal caller = PeerIdentityInterceptor.caller();
    String method = call.getMethodDescriptor().getBareMethodName();
    String[] actions = ACTIONS.get(method);
    Map<String, String> ids = new java.util.concurrent.ConcurrentHashMap<>();
    ServerCall<Q, R> watched = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        if (actions != null) {
          collectIds(message, ids);
        }
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        String reason = trailers == null ? null : trailers.get(ErrorMapper.REASON);
        recordEnd(caller, method, actions, ids, status, reason, peer(call));
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener = next.startCall(watched, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        if (actions != null && ids.isEmpty()) {
          collectIds(message, ids);
        }
        super.onMessage(message);
      }
    };
  }

  private void recordEnd(Principal caller, String method, String[] actions, Map<String, String> ids, Status status,
      String reason, String peer) {
    boolean ok = status.isOk();
    String result = ok ? "ok" : (reason != null ? reason : status.getCode().name()).toLowerCase(Locale.ROOT)
        .replace('_', '-');
    if (actions == null) {
      Status.Code c = status.getCode();
      if (c == Status.Code.PERMISSION_DENIED || c == Status.Code.UNAUTHENTICATED) {
        audit.record(caller.identity(), "call.refuse", "rpc:" + method, result, peer);
      }
      return;
    }
    String object = ids.containsKey("grant_id") ? "grant:" + ids.get("grant_id")
        : ids.containsKey("file_id") ? "file:" + ids.get("file_id")
        : ids.containsKey("upload_id") ? "upload:" + ids.get("upload_id") : "";
    Map<String, String> details = new TreeMap<>();
    ids.forEach((k, v) -> details.put(k.replace('_', '-'), v));
    audit.record(caller.identity(), ok ? actions[0] : actions[1], object, result, peer, details);
  }

  static String peer(ServerCall<?, ?> call) {
    SocketAddress a = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return a == null ? "" : a.toString().replaceFirst("^[^/]*/", "");
  }

  /** Copies top-level id fields, and those of directly nested messages (e.g. a returned grant). */
  private static void collectIds(Object message, Map<String, String> into) {
    if (!(message instanceof Message m)) {
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> f : m.getAllFields().entrySet()) {
      FieldDescriptor d = f.getKey();
      if (ID_FIELDS.contains(d.getName()) && f.getValue() instanceof String s && !s.isEmpty()) {
        into.putIfAbsent(d.getName(), s);
      } else if (!d.isRepeated() && f.getValue() instanceof Message nested) {
        for (Map.Entry<FieldDescriptor, Object> g : nested.getAllFields().entrySet()) {
          if (ID_FIELDS.contains(g.getKey().getName()) && g.getValue() instanceof String s && !s.isEmpty()) {
            into.putIfAbsent(g.getKey().getName(), s);
          }
        }
      }
    }
  }
}
