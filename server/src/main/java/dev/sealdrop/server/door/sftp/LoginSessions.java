package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.LiveSessions;
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
    LiveSessions.Registration registration = sessions.register(login.atLogin(), false,
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
