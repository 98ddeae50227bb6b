package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.StorageFull;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.IdentityNames;
import dev.sealdrop.server.core.identity.IdentityService;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits every accepted TLS connection (identity = the client certificate's subject CN) on one
 * listener. Refused handshakes are audited by the TLS trust manager (door.grpc.tls).
 */
public final class ConnectionAudit extends ServerTransportFilter {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionAudit.class);
  private final Audit audit;
  private final String listener;
  private final IdentityService identities;
  private final RefusalThrottle shutOut;

  /**
   * {@code shutOut}: the refused connections' budget, within which the connections of certificates whose identity is
   * not enrolled or disabled are recorded ({@link RefusalThrottle#acceptedShutOut}).
   */
  public ConnectionAudit(Audit audit, String listener, IdentityService identities, RefusalThrottle shutOut) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.shutOut = Objects.requireNonNull(shutOut, "shutOut");
  }

  @Override
  public Attributes transportReady(Attributes attrs) {
    SocketAddress remote = attrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String peer = dev.sealdrop.server.core.identity.Origin.peerOf(remote);
    String actor = PeerIdentityInterceptor.subjectOf(attrs);
    // on the Netty event loop: never wait for an fsync here (the record is durable before any call on
    // this connection is answered, since that call's own audit record waits for the disk)
    try {
      // (a certificate whose subject is no identity name never completes the handshake: "-" only without TLS)
      java.util.Optional<Identity> who = IdentityNames.isValid(actor) ? standing(actor) : null;
      if (who != null && (who.isEmpty() || !who.get().enabled())) {
        // every call it makes is refused (and audited within the calls' budget): its connections are not an act
        shutOut.acceptedShutOut(actor, "listener:" + listener, who.isEmpty() ? IDENTITY_UNKNOWN : IDENTITY_DISABLED,
            peer, Map.of("listener", listener));
        return attrs;
      }
      audit.recordWithoutWaiting(actor, RefusalThrottle.CONNECTION_ACCEPT, "listener:" + listener, "ok", peer,
          Map.of());
    } catch (RuntimeException e) {
      // fail closed; gRPC closes the connection with this exception's message as the GOAWAY's debug data, which
      // the client prints: the audit log's own message names the server's files, so the client gets its own words
      LOG.error("connection from {} refused: it could not be audited: {}", peer, e.toString());
      throw new IllegalStateException(StorageFull.of(e).map(Throwable::getMessage).orElse(NOT_AUDITED), e);
    }
    return attrs;
  }

  /**
   * The identity {@code name}, or null if it cannot be looked up now (a database error): its connection is then
   * recorded as any other, not refused as if the audit log had failed (review DP); its calls are checked again.
   */
  private java.util.Optional<Identity> standing(String name) {
    try {
      return identities.find(name);
    } catch (RuntimeException e) {
      LOG.warn("connection of '{}': its identity could not be looked up ({}); recorded as accepted", name,
          e.toString());
      return null;
    }
  }

  /** The result of the accepted connection of a certificate whose name is no enrolled identity. */
  static final String IDENTITY_UNKNOWN = "identity-unknown";
  /** ... and of one whose identity an admin disabled. */
  static final String IDENTITY_DISABLED = "identity-disabled";

  /** What a client whose connection could not be audited is told (for any cause but a full disk). */
  static final String NOT_AUDITED = "server: this connection could not be recorded in the server's audit log, so it"
      + " was refused; retry later, and tell the server's operator if it persists";
}
