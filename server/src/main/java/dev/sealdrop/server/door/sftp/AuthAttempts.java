package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.UserAuthNoneFactory;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.server.session.ServerUserAuthService;
import org.apache.sshd.server.session.ServerUserAuthServiceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sftp-max-auth-attempts} as docs/sftp.md states it and as OpenSSH's {@code MaxAuthTries}
 * counts: N attempts per connection, where an attempt is one that fails. A key the client only asks
 * about and the server accepts (SSH_MSG_USERAUTH_PK_OK), then signs, is one attempt, not two, and the
 * "none" request a client opens with to learn the methods is free. The N-th failure closes the
 * connection, told why. So with N = 6, five wrong keys and then the right one log in.
 *
 * <p>MINA's {@code MAX_AUTH_REQUESTS} counts every request after the first instead, probes and
 * signatures alike: OpenSSH offering five unregistered keys and then the registered one was accepted
 * at its probe, then disconnected at its signature ("Too many authentication failures: 7"). MINA's
 * count stays as a backstop, set to {@link #requestsFor} N: the most that N attempts of a probe and a
 * signature each take, so the door's count always decides first, while a client that only asks about
 * keys without ever signing still gets no more than that ({@link Disconnects} words that case).
 */
final class AuthAttempts extends ServerUserAuthServiceFactory {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");

  private final int max;

  /** {@code max}: the failed attempts that close a connection ({@code sftp-max-auth-attempts}). */
  AuthAttempts(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("sftp-max-auth-attempts must be >= 1, not " + max);
    }
    this.max = max;
  }

  /**
   * MINA's {@code MAX_AUTH_REQUESTS} for {@code attempts}: each attempt takes at most two requests (the
   * probe and the signed request), and MINA does not count a connection's first request.
   */
  static int requestsFor(int attempts) {
    return 2 * attempts;
  }

  /** What a connection cut at its {@code max}-th failed attempt is told. */
  static String tooManyAttempts(int max) {
    return "too many authentication attempts: " + max + " failed on this connection, the most it allows"
        + " (sftp-max-auth-attempts); connect again offering the registered key among the first " + max
        + " (e.g. -i KEY -o IdentitiesOnly=yes)";
  }

  /**
   * What a connection cut by MINA's backstop is told: more requests than {@code max} attempts take,
   * keys asked about but never signed included.
   */
  static String tooManyRequests(int max) {
    return "too many authentication requests on this connection, more than " + max + " attempts"
        + " (sftp-max-auth-attempts) take: a key asked about and never signed counts too; connect again offering the"
        + " registered key among the first " + max + " (e.g. -i KEY -o IdentitiesOnly=yes)";
  }

  @Override
  public Service create(Session session) throws IOException {
    return new Counting(session, max);
  }

  /** MINA's user-authentication service, which also counts failed attempts. */
  private static final class Counting extends ServerUserAuthService {
    private final int max;
    /** Requests seen (guarded by this, as MINA's own state is). */
    private int requests;
    private int failures;
    /** Whether the request being answered is the connection's opening "none", which is free. */
    private boolean openingNone;

    Counting(Session session, int max) throws IOException {
      super(session);
      this.max = max;
    }

    @Override
    public synchronized void process(int cmd, Buffer buffer) throws Exception {
      if (cmd == SshConstants.SSH_MSG_USERAUTH_REQUEST && !getServerSession().isAuthenticated()) {
        int start = buffer.rpos();
        String user = buffer.getString();
        buffer.getString(); // service
        String method = buffer.getString();
        buffer.rpos(start); // MINA reads the request from its start
        openingNone = requests++ == 0 && UserAuthNoneFactory.NAME.equals(method);
        ServerSession session = getServerSession();
        if (session.getAttribute(LoginAudit.TRIED_USER) == null) {
          // MINA refuses a later request naming another user; the audit names the one tried
          session.setAttribute(LoginAudit.TRIED_USER, user);
        }
      }
      super.process(cmd, buffer);
    }

    @Override
    protected void handleAuthenticationFailure(int cmd, Buffer buffer) throws Exception {
      if (openingNone) {
        openingNone = false;
        super.handleAuthenticationFailure(cmd, buffer);
        return;
      }
      failures++;
      if (failures < max) {
        super.handleAuthenticationFailure(cmd, buffer);
        return;
      }
      ServerSession session = getServerSession();
      // DEBUG: anyone who reaches the port can do this once a connection; the refused login is logged with its audit
      // record, within the refusals' budget (LoginAudit)
      LOG.debug("SFTP connection {} closed: {} failed authentication attempts (sftp-max-auth-attempts)", session,
          failures);
      session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, tooManyAttempts(max));
    }
  }
}
