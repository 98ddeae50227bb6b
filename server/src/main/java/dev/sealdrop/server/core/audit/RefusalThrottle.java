package dev.sealdrop.server.core.audit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Records refused connections ({@code connection.refuse}: a failed TLS handshake, an SFTP login that never
 * authenticated) one by one up to a budget per minute, and counts the rest. Anyone who can reach a port can make those
 * without a certificate, each a record: unthrottled, one client on loopback wrote 1.3 MB a minute to the audit log
 * and stderr (outside test), and an audit log that cannot be written stops the server. Past the budget, each source
 * address's refusals are summed and written once when the minute ends ({@link #flush}, also run by the server's
 * maintenance): result {@value #RATE_LIMITED}, details {@code suppressed} (how many) and {@code first-result} (the
 * result of the first one left out), its peer the source address without a port. At most {@value #MAX_SOURCES}
 * sources are summed apiece; the rest together, with the peer {@code other}. So the log grows by at most the budget
 * plus {@value #MAX_SOURCES} + 1 records a minute however many refusals come, and every refusal is still counted.
 */
public final class RefusalThrottle {
  /** The result of a record that sums refusals left out of the log one by one. */
  public static final String RATE_LIMITED = "rate-limited";
  /** Refusals recorded one by one per minute, over every door and source. */
  public static final int DEFAULT_PER_MINUTE = 120;
  static final int MAX_SOURCES = 100;
  private static final long MINUTE_NANOS = 60_000_000_000L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("sealdrop.audit");

  private final Audit audit;
  private final int perMinute;
  private final LongSupplier nanoTime;
  private long windowStart;
  private int recorded;
  /** Left out this minute, by object and source: [count], and the first one's result. */
  private final Map<Key, Left> left = new LinkedHashMap<>();

  private record Key(String object, String source) {}

  private static final class Left {
    long count;
    final String firstResult;

    Left(String firstResult) {
      this.firstResult = firstResult;
    }
  }

  public RefusalThrottle(Audit audit) {
    this(audit, DEFAULT_PER_MINUTE, System::nanoTime);
  }

  RefusalThrottle(Audit audit, int perMinute, LongSupplier nanoTime) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.perMinute = perMinute;
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.windowStart = nanoTime.getAsLong();
  }

  /**
   * Records a refused connection as {@link Audit#recordWithoutWaiting} does (on network threads: never waits for the
   * disk), unless this minute's budget is spent: then it is counted for the minute's summary. Returns whether it was
   * recorded one by one (a caller logs it only then).
   */
  public synchronized boolean refused(String actor, String object, String result, String peer,
      Map<String, String> details) {
    rollWindow();
    if (recorded < perMinute) {
      recorded++;
      audit.recordWithoutWaiting(actor, "connection.refuse", object, result, peer, details);
      return true;
    }
    String source = hostOf(peer);
    Key key = new Key(object, left.size() < MAX_SOURCES || left.containsKey(new Key(object, source)) ? source
        : "other");
    left.computeIfAbsent(key, k -> new Left(result)).count++;
    return false;
  }

  /** Writes the summaries of the minute that ended, if it ended; the server's maintenance calls it. */
  public synchronized void flush() {
    rollWindow();
  }

  private void rollWindow() {
    long now = nanoTime.getAsLong();
    if (now - windowStart < MINUTE_NANOS) {
      return;
    }
    windowStart = now;
    recorded = 0;
    for (Map.Entry<Key, Left> e : left.entrySet()) {
      audit.recordWithoutWaiting("-", "connection.refuse", e.getKey().object(), RATE_LIMITED, e.getKey().source(),
          Map.of("suppressed", Long.toString(e.getValue().count), "first-result", e.getValue().firstResult));
    }
    if (!left.isEmpty()) {
      LOG.warn("{} refused connection(s) from {} source(s) in the last minute were over the audit"
          + " log's budget of {} a minute: each source's are summed in one record (result {})",
          left.values().stream().mapToLong(l -> l.count).sum(), left.size(), perMinute, RATE_LIMITED);
    }
    left.clear();
  }

  /** {@code 192.0.2.7:51000} → {@code 192.0.2.7}, {@code [::1]:51000} → {@code [::1]}; empty stays empty. */
  static String hostOf(String peer) {
    if (peer == null || peer.isEmpty()) {
      return "";
    }
    int colon = peer.lastIndexOf(':');
    int bracket = peer.lastIndexOf(']');
    return colon > bracket && colon > 0 ? peer.substring(0, colon) : peer;
  }
}
