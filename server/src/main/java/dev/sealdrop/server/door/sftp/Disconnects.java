package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Reason;
import java.io.IOException;
import java.time.Duration;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionDisconnectHandler;
import org.apache.sshd.common.session.helpers.TimeoutIndicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why the door closes a connection when MINA would not. MINA disconnects a session that is
 * idle too long, or that has not logged in in time, with reason PROTOCOL_ERROR, and since 2.20 it
 * replaces the text of every PROTOCOL_ERROR with "Protocol error or corrupt packet" — which is what
 * OpenSSH then prints, sending the user to look for a network fault. The door disconnects those
 * sessions itself, with BY_APPLICATION and the setting that ended them. It also gives a login
 * refused by the session limit its own audit result and words.
 */
final class Disconnects implements SessionDisconnectHandler {
  private static final Logger LOG = LoggerFactory.getLogger(Disconnects.class);
  /** The door's text for a login refused by the session limit. */
  private static final AttributeKey<String> TOO_MANY = new AttributeKey<>();
  /** The door's text for a connection MINA cut at its count of authentication requests. */
  private static final AttributeKey<String> TOO_MANY_REQUESTS = new AttributeKey<>();

  @Override
  public boolean handleTimeoutDisconnectReason(Session session, TimeoutIndicator timeout) throws IOException {
    String why = switch (timeout.getStatus()) {
      case IdleTimeout -> idle(timeout.getThresholdValue()); // not reached: the door's own check closes idle sessions
      case AuthTimeout -> "not logged in within " + dev.sealdrop.server.core.Durations.spoken(timeout.getThresholdValue()) + " (sftp-auth-timeout)";
      default -> null;
    };
    if (why == null) {
      return false; // MINA's own handling
    }
    // DEBUG: before a login (the only timeout that reaches here), anyone who reaches the port can cause it once a
    // connection; the connection is logged with its audit record, within the refusals' budget (LoginAudit)
    LOG.debug("closing SFTP session {}: {}", session, why);
    session.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, why);
    return true; // handled: MINA does not send its own PROTOCOL_ERROR disconnect
  }

  /**
   * A login past {@code sftp-max-sessions-per-identity}: MINA refuses it after the signature was
   * verified, so without a reason of its own {@link LoginAudit} would record it as
   * {@code not-authenticated}, which says that no valid signature was shown. MINA then disconnects it
   * (returning true would let MINA log it in instead), and {@link #told} puts the door's words in that
   * disconnect: which setting refused it and what to do, where MINA's own text ("Too many concurrent
   * connections (8) - max. allowed: 8") said neither.
   */
  @Override
  public boolean handleSessionsCountDisconnectReason(Session session, Service service, String username,
      int currentSessionCount, int maxSessionCount) {
    Login login = session.getAttribute(Login.KEY);
    String user = username == null ? "" : username;
    session.setAttribute(LoginAudit.REFUSAL, new LoginAudit.Refusal(user, TOO_MANY_SESSIONS,
        login == null ? "" : login.fingerprint(), "the identity already holds " + currentSessionCount
            + " SFTP sessions, the most sftp-max-sessions-per-identity allows"));
    session.setAttribute(TOO_MANY, "too many SFTP sessions for '" + user + "': " + currentSessionCount
        + " are open, the most one identity may hold (sftp-max-sessions-per-identity); close one of them, then"
        + " connect again");
    return false;
  }

  /**
   * MINA's count of authentication requests, the backstop behind {@link AuthAttempts}: reached only by
   * a client that asks about keys it never signs (the door's count of failed attempts decides first
   * otherwise). MINA disconnects it ("Too many authentication failures: 13"); {@link #told} puts the
   * door's words in that disconnect.
   */
  @Override
  public boolean handleAuthCountDisconnectReason(Session session, Service service, String serviceName, String method,
      String user, int currentAuthCount, int maxAuthCount) {
    session.setAttribute(TOO_MANY_REQUESTS, AuthAttempts.tooManyRequests(Math.max(1, maxAuthCount / 2)));
    return false;
  }

  /**
   * The text of a disconnect {@code session} sends: the door's for the session limit's refusal (see
   * {@link #handleSessionsCountDisconnectReason}) and for MINA's count of authentication requests (see
   * {@link #handleAuthCountDisconnectReason}), otherwise {@code message} unchanged.
   */
  static String told(Session session, int reason, String message) {
    String why = switch (reason) {
      case SshConstants.SSH2_DISCONNECT_TOO_MANY_CONNECTIONS -> session.getAttribute(TOO_MANY);
      case SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE -> session.getAttribute(TOO_MANY_REQUESTS);
      default -> null;
    };
    return why == null ? message : why;
  }

  /**
   * Closes a logged-in session the core no longer accepts (its identity disabled or revoked, its key
   * removed, the certificate that registered the key revoked or expired) and tells the client why.
   * A plain close leaves OpenSSH printing only "Connection to HOST closed by remote host"; with the
   * DISCONNECT message it prints "Received disconnect from HOST port PORT:11: session closed: ...".
   * The message is queued behind what the session already wrote; MINA closes the session anyway
   * once {@code DISCONNECT_TIMEOUT} passes (a client that does not read).
   */
  static void closeTelling(Session session, String why, Reason reason) {
    try {
      session.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, closedBecause(why, reason));
    } catch (IOException | RuntimeException e) {
      LOG.info("closing SFTP session {} without a disconnect message: {}", session, e.toString());
      session.close(true);
    }
  }

  /** What a session idle for {@code timeout} is told ({@link Activity}: keepalives are no activity). */
  static String idle(Duration timeout) {
    return "idle session closed: no activity for " + dev.sealdrop.server.core.Durations.spoken(timeout) + " (sftp-idle-timeout); connect again";
  }

  /**
   * Closes a logged-in session that did nothing that counts for {@code timeout} ({@link Activity}), told
   * why, as MINA's own idle timeout was (which keepalives kept from ever firing).
   */
  static void closeIdle(Session session, Duration timeout) {
    String why = idle(timeout);
    LOG.info("closing SFTP session {}: {}", session, why);
    closeSaying(session, why);
  }

  /** What every open session is told when the server shuts down gracefully. */
  static final String SHUTTING_DOWN = "the server is shutting down; connect again once it is back (an upload"
      + " not yet closed was not kept: put it again; a get cut short can be run again)";

  /**
   * What a session is told when it is closed during a graceful shutdown because the uploads and
   * downloads it had open have all ended: none of them was cut, so it is not told to put again.
   */
  static final String SHUTTING_DOWN_FINISHED = "the server is shutting down; connect again once it is back"
      + " (what you finished was kept: a closed upload is committed, a download read to the end counts)";

  /** Tells a session that the server is shutting down, and closes it (see {@link #closeTelling}). */
  static void tellShuttingDown(Session session) {
    tellShuttingDown(session, SHUTTING_DOWN);
  }

  /** Tells a session {@code why} the server closes it as it shuts down ({@link #SHUTTING_DOWN}...), and closes it. */
  static void tellShuttingDown(Session session, String why) {
    closeSaying(session, why);
  }

  /** Sends {@code session} a DISCONNECT that says {@code why} (closed within DISCONNECT_TIMEOUT), or closes it at once. */
  private static void closeSaying(Session session, String why) {
    try {
      session.disconnect(SshConstants.SSH2_DISCONNECT_BY_APPLICATION, why);
    } catch (IOException | RuntimeException e) {
      LOG.info("closing SFTP session {} without a disconnect message: {}", session, e.toString());
      session.close(true);
    }
  }

  /** What a client whose session the core closed is told. */
  static String closedBecause(String why, Reason reason) {
    return "session closed: " + why + " [" + reason.name() + "]";
  }

  /** The audit result of a login refused by the per-identity session limit. */
  static final String TOO_MANY_SESSIONS = "too-many-sessions";
}
