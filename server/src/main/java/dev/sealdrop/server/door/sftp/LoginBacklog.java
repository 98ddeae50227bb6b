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
 * logged-in sessions are not counted (sftp-max-sessions-per-identity limits those). One address may hold at most
 * {@link #perSource} of them ({@code sftp-max-startups-per-source}, as OpenSSH's {@code PerSourceMaxStartups}), so
 * that a single source cannot take the whole backlog from everyone else; off by default, as OpenSSH's, since a
 * pipeline host or a NAT opens many connections at once from one address. An address is an exact one, IPv6 too (an
 * IPv6 client holding a /64 has many: OpenSSH's default PerSourceNetBlockSize 32:128 counts them alike).
 */
final class LoginBacklog implements SessionListener {
  /** OpenSSH refuses every new connection from 100 unauthenticated ones on (MaxStartups 10:30:100). */
  static final int DEFAULT_LIMIT = 100;
  /** The address a connection waiting to log in came from (null: not an IP address), set while it waits. */
  private static final AttributeKey<Object> WAITING = new AttributeKey<>();
  private static final Logger LOG = LoggerFactory.getLogger(LoginBacklog.class);
  private static final long WARN_EVERY_NANOS = 60_000_000_000L;

  private final int limit;
  private final int perSource;
  private final AtomicInteger waiting = new AtomicInteger();
  private final java.util.concurrent.ConcurrentHashMap<java.net.InetAddress, Integer> waitingFrom =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
  private final AtomicInteger refusedSinceWarning = new AtomicInteger();

  LoginBacklog(int limit, int perSource) {
    if (limit < 1 || perSource < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    this.limit = limit;
    this.perSource = perSource;
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
    java.net.InetAddress source = sourceOf(remote);
    if (source != null && waitingFrom.getOrDefault(source, 0) >= perSource) {
      refusedSinceWarning.incrementAndGet();
      warnAtMostEveryMinute();
      throw new IOException("SFTP door: " + perSource + " connections from " + source.getHostAddress()
          + " are waiting to log in, the most one address may hold (sftp-max-startups-per-source); refused " + remote);
    }
  }

  private static java.net.InetAddress sourceOf(Object remote) {
    return remote instanceof java.net.InetSocketAddress a ? a.getAddress() : null;
  }

  @Override
  public void sessionCreated(Session session) {
    java.net.InetAddress source = sourceOf(session.getIoSession().getRemoteAddress());
    session.setAttribute(WAITING, source == null ? Boolean.TRUE : source);
    waiting.incrementAndGet();
    if (source != null) {
      waitingFrom.merge(source, 1, Integer::sum);
    }
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
    Object was = session.removeAttribute(WAITING);
    if (was != null) {
      waiting.decrementAndGet();
      if (was instanceof java.net.InetAddress source) {
        waitingFrom.computeIfPresent(source, (k, n) -> n <= 1 ? null : n - 1);
      }
    }
  }

  private void warnAtMostEveryMinute() {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
      // counted since the last such line, which may be long ago (round CZ: "in the last minute" named old refusals,
      // and the first line of a flood counted only the refusal that wrote it)
      LOG.warn("SFTP door: refused {} new connection(s) since the last such line (at most one a minute): {}"
          + " connections were waiting to log in"
          + " (it holds at most {}{}; a flood of connections that never log in?). Each waits at most"
          + " sftp-auth-timeout", refusedSinceWarning.getAndSet(0), waiting.get(), limit,
          perSource < limit ? ", at most " + perSource + " from one address" : "");
    }
  }
}
