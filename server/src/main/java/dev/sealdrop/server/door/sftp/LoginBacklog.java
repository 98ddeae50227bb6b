package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cap on connections that have not logged in yet, as OpenSSH's {@code MaxStartups}: each holds a session, its key
 * exchange and a timer until {@code sftp-auth-timeout}, so without a cap anyone who can reach the port holds as many
 * as they open (outside test: 1000 connections sent a version line and nothing more, and all stayed open). A
 * connection accepted while {@link #limit} are waiting to log in is closed at once, before the SSH version exchange;
 * logged-in sessions are not counted (sftp-max-sessions-per-identity limits those).
 */
final class LoginBacklog implements SessionListener {
  /** OpenSSH refuses every new connection from 100 unauthenticated ones on (MaxStartups 10:30:100). */
  static final int DEFAULT_LIMIT = 100;
  private static final AttributeKey<Boolean> WAITING = new AttributeKey<>();
  private static final Logger LOG = LoggerFactory.getLogger(LoginBacklog.class);
  private static final long WARN_EVERY_NANOS = 60_000_000_000L;

  private final int limit;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private final AtomicInteger refusedSinceWarning = new AtomicInteger();

  LoginBacklog(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    this.limit = limit;
  }

  /** How many connections are waiting to log in now. */
  int waiting() {
    return waiting.get();
  }

  /**
   * Refuses a new connection while {@link #limit} are waiting to log in: thrown from the session factory, before the
   * SSH session exists, so that MINA closes the connection it accepted. (Thrown from MINA's {@code
   * IoServiceEventListener.connectionAccepted} instead, it leaves the accepted socket open: MINA 2.20 closes only a
   * session it has created.)
   */
  void admit(Object remote) throws IOException {
    if (waiting.get() >= limit) {
      refusedSinceWarning.incrementAndGet();
      warnAtMostEveryMinute();
      throw new IOException("SFTP door: " + limit + " connections are waiting to log in; refused " + remote);
    }
  }

  @Override
  public void sessionCreated(Session session) {
    session.setAttribute(WAITING, Boolean.TRUE);
    waiting.incrementAndGet();
  }

  @Override
  public void sessionEvent(Session session, Event event) {
    if (event == Event.Authenticated) {
      leave(session);
    }
  }

  @Override
  public void sessionClosed(Session session) {
    leave(session);
  }

  private void leave(Session session) {
    if (session.removeAttribute(WAITING) != null) {
      waiting.decrementAndGet();
    }
  }

  private void warnAtMostEveryMinute() {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
      LOG.warn("SFTP door: {} connections are waiting to log in, the most it holds; refused {} new connection(s) in"
          + " the last minute (a flood of connections that never log in?). Each waits at most sftp-auth-timeout",
          limit, refusedSinceWarning.getAndSet(0));
    }
  }
}
