package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.LiveSessions;
import dev.sealdrop.server.core.identity.Principal;
import java.util.Objects;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers every logged-in SFTP session with the core's {@link LiveSessions}, as the gRPC door
 * registers its calls: an admin who disables or revokes the identity, or revokes the certificate
 * its key was registered with, closes the session at once, and the admin response counts it
 * ({@code sessions_closed}). The door's periodic re-check ({@link SftpDoor}) stays for what no
 * admin act announces: a removed key, an expired certificate, a change made outside the admin API.
 */
final class LoginSessions implements SessionListener {
  private static final AttributeKey<LiveSessions.Registration> REGISTRATION = new AttributeKey<>();
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  private final LiveSessions sessions;

  LoginSessions(LiveSessions sessions) {
    this.sessions = Objects.requireNonNull(sessions, "sessions");
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    if (event != Event.Authenticated) {
      return;
    }
    Login login = session.getAttribute(Login.KEY);
    if (login == null) {
      return;
    }
    register(session, login, login.atLogin());
  }

  /**
   * Registers {@code session} as {@code as} (the identity, and the certificate its key is bound to). It follows its key:
   * asked for the revocation of that certificate while the key is bound to another of the identity's certificates by
   * now ({@code keys renew}, {@code keys add-ssh} through the renewed one), the session goes on, registered under that
   * one, and is not counted (review DH: it was closed and counted in {@code sessions_closed}, the client was told to
   * register its key again, which it had). The re-check goes through the core, as every operation's does
   * ({@link Login#recheck}): a revoked identity, or a key still bound to the revoked certificate, fails it, and the
   * session is closed.
   */
  private void register(Session session, Login login, Principal as) {
    LiveSessions.Registration registration = sessions.registerFollowing(as, false, login::recheck,
        (reason, why) -> close(session, login, reason, why));
    session.setAttribute(REGISTRATION, registration);
    if (!session.isOpen()) {
      // closed meanwhile: sessionClosed may already have run
      registration.end();
    }
  }

  /**
   * A logged-in session's failure, as MINA logged it on its session's logger, which logback.xml raises to ERROR: there
   * MINA also wrote WARN lines for every malformed packet of a connection before its login (anyone's, round BB), which
   * the door logs once, with its audit record, within the refusals' budget ({@link LoginAudit}).
   */
  @Override
  public void sessionException(Session session, Throwable t) {
    Login login = session.getAttribute(Login.KEY);
    if (session.isAuthenticated() && login != null) {
      LOG.warn("SFTP session of '{}' (key {}) failed: {}", login.user(), login.fingerprint(), t.toString());
    }
  }

  @Override
  public void sessionClosed(Session session) {
    LiveSessions.Registration registration = session.removeAttribute(REGISTRATION);
    if (registration != null) {
      registration.end();
    }
  }

  private static boolean close(Session session, Login login, Reason reason, String why) {
    if (!session.isOpen()) {
      return false;
    }
    LOG.warn("closing SFTP session of '{}' (key {}): {}", login.user(), login.fingerprint(), reason);
    Disconnects.closeTelling(session, why, reason);
    return true;
  }
}
