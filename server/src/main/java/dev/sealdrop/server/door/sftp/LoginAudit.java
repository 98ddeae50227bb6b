package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Objects;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits SFTP logins as the gRPC door audits TLS connections, with the detail {@code door=sftp}:
 * {@code connection.accept} once a session has authenticated (actor: the identity, detail: the
 * key's fingerprint), and {@code connection.refuse} for a session that closes without ever
 * authenticating (actor: the user name it tried with any method, or "-"; result: the core's reason for the last
 * refused key, or {@code not-authenticated} if it never offered one or never proved it holds the
 * private half of an accepted one). The probes a client makes
 * while choosing among its keys are not records of their own: one connection, one record. A
 * login that cannot be audited is closed (fail closed).
 */
final class LoginAudit implements SessionListener {
  /** The last refused public-key attempt of a session (set by {@link KeyAuthenticator}). */
  static final AttributeKey<Refusal> REFUSAL = new AttributeKey<>();
  /**
   * The user name of a session's first authentication request, of any method (set by {@link AuthAttempts}):
   * MINA names the session's user only once it has authenticated, so a connection that tried only a
   * password (never offered) or "none" is still audited with the name it tried.
   */
  static final AttributeKey<String> TRIED_USER = new AttributeKey<>();
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  private static final String OBJECT = "listener:sftp";
  private final Audit audit;
  /** Refusals are recorded within a budget a minute: anyone can make them, without a key. */
  private final dev.sealdrop.server.core.audit.RefusalThrottle refusals;

  /** {@code why}: the core's message, as the key's holder would be told it (never a secret). */
  record Refusal(String user, String result, String fingerprint, String why) {}

  LoginAudit(Audit audit, dev.sealdrop.server.core.audit.RefusalThrottle refusals) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.refusals = Objects.requireNonNull(refusals, "refusals");
  }

  static String peer(SocketAddress a) {
    return Origin.peerOf(a);
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    if (event != Event.Authenticated) {
      return;
    }
    Login login = session.getAttribute(Login.KEY);
    if (login != null) {
      LOG.info("SFTP login accepted for '{}' ({}) from {} with key {}", login.user(), login.atLogin().role().key(),
          peer(session.getRemoteAddress()), login.fingerprint());
    }
    try {
      // on MINA's I/O thread: never wait for an fsync here (see Audit.recordWithoutWaiting)
      audit.recordWithoutWaiting(login == null ? "-" : login.user(), "connection.accept", OBJECT, "ok",
          peer(session.getRemoteAddress()), Map.of(Audit.DOOR, Origin.SFTP, "key",
              login == null ? "" : login.fingerprint()));
    } catch (RuntimeException e) {
      LOG.error("SFTP login could not be audited; closing the session: {}", e.toString());
      session.close(true);
    }
  }

  @Override
  public void sessionClosed(Session session) {
    if (session.isAuthenticated()) {
      return;
    }
    Refusal r = session.getAttribute(REFUSAL);
    if (r == null) {
      // a registered key was offered but its signature never verified (a probe, or a wrong private
      // key): not authenticated, but the record names the user and key that were tried
      Login offered = session.getAttribute(Login.KEY);
      if (offered != null) {
        r = new Refusal(offered.user(), "not-authenticated", offered.fingerprint(), "its signature never verified");
      }
    }
    String user = r != null ? r.user() : session.getUsername();
    if (user == null || user.isEmpty()) {
      user = session.getAttribute(TRIED_USER);
    }
    String peer = peer(session.getRemoteAddress());
    try {
      boolean recorded = refusals.refused(user == null || user.isEmpty() ? "-" : cut(user), OBJECT,
          r != null ? r.result() : "not-authenticated", peer,
          r != null && !r.fingerprint().isEmpty() ? Map.of(Audit.DOOR, Origin.SFTP, "key", r.fingerprint())
              : Map.of(Audit.DOOR, Origin.SFTP));
      // logged only with its record: past the budget, the minute's summary record and warning stand for it
      if (recorded && r != null) {
        LOG.warn("SSH login as '{}' from {} refused ({}): key {}: {}", SshKeyService.loggable(user), peer,
            r.result(), r.fingerprint(), r.why());
      } else if (recorded) {
        LOG.info("SFTP connection from {} closed without logging in{}", peer,
            user == null || user.isEmpty() ? "" : " (tried as '" + SshKeyService.loggable(user) + "')");
      }
    } catch (RuntimeException e) {
      LOG.error("a refused SFTP login could not be audited: {}", e.toString());
    }
  }

  /**
   * The actor of a refused login: the user name the client gave, cut to 64 characters, every character an identity
   * name cannot hold shown as {@code ?} (as the log shows it): a name with spaces made `audit tail` rows read as if
   * another actor had done another act (outside test: "carol   admin.identity.disable  identity:bob").
   */
  private static String cut(String user) {
    return SshKeyService.loggable(user);
  }
}
