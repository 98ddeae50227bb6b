package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.audit.Audit;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * Audits every accepted TLS connection (identity = the client certificate's subject CN) on one
 * listener. Refused handshakes are audited by the TLS trust manager (door.grpc.tls).
 */
public final class ConnectionAudit extends ServerTransportFilter {
  private final Audit audit;
  private final String listener;

  public ConnectionAudit(Audit audit, String listener) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  @Override
  public Attributes transportReady(Attributes attrs) {
    SocketAddress remote = attrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = remote == null ? "" : remote.toString().replaceFirst("^[^/]*/", "");
    // on the Netty event loop: never wait for an fsync here (the record is durable before any call on
    // this connection is answered, since that call's own audit record waits for the disk)
    audit.recordWithoutWaiting(PeerIdentityInterceptor.subjectOf(attrs), "connection.accept", "listener:" + listener,
        "ok", peer, Map.of());
    return attrs;
  }
}
