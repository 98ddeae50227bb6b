package dev.sealdrop.server.core.audit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Audits refusals one by one up to a budget per minute, and counts the rest. Two kinds, each with a budget of its own:
 * <ul>
 *   <li>{@link #RefusalThrottle(Audit) refused connections} ({@code connection.refuse}: a failed TLS handshake, an SFTP
 *       login that never authenticated), which anyone who can reach a port can make without a certificate:
 *       unthrottled, one client on loopback wrote 1.3 MB a minute to the audit log and stderr (outside test), and an
 *       audit log that cannot be written stops the server. Recorded without waiting for the disk (network threads).
 *   <li>{@link #forCalls refused calls of a caller with a certificate} ({@code call.refuse}, {@code admin.refuse}):
 *       one acquirer's script made about 500 such records a second (outside test). Recorded durably, as every act.
 * </ul>
 * Past the budget, refusals are summed per action, object, source address (without a port) and, for calls, actor, and
 * written once when the minute ends ({@link #flush}, also run by the server's maintenance): result {@value
 * #RATE_LIMITED}, details {@code suppressed} (how many) and {@code first-result} (the result of the first one left
 * out). At most {@value #MAX_SOURCES} such sums apiece; the rest together, with the peer {@code other}: for
 * connections one sum per object, for calls one per actor (its object left empty: which grant it was is lost then,
 * who tried is not). So the log grows by at most the budget plus {@value #MAX_SOURCES} + 1 records a minute however
 * many refusals come, and every refusal is still counted.
 */
public final class RefusalThrottle {
  /** The result of a record that sums refusals left out of the log one by one. */
  public static final String RATE_LIMITED = "rate-limited";
  /** Refusals recorded one by one per minute, over every door and source. */
  public static final int DEFAULT_PER_MINUTE = 120;
  static final int MAX_SOURCES = 100;
  private static final long MINUTE_NANOS = 60_000_000_000L;
  private static final String CONNECTION_REFUSE = "connection.refuse";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("sealdrop.audit");

  private final Audit audit;
  private final int perMinute;
  private final LongSupplier nanoTime;
  /** Whether records wait for the disk ({@link Audit#record}), and sums name the actor: refused calls. */
  private final boolean calls;
  private long windowStart;
  private int recorded;
  /** Left out this minute, by action, actor, object and source: [count], and the first one's result. */
  private final Map<Key, Left> left = new LinkedHashMap<>();

  /** {@code where}: the details that say where the refusals came in ({@link #WHERE}), kept on their sum. */
  private record Key(String action, String actor, String object, String source, Map<String, String> where) {}

  /**
   * The details a sum keeps from its refusals, and sums them by: the listener and the door (outside test: a sum lost
   * them, so an auditor could not tell which listener was hammered).
   */
  private static final java.util.Set<String> WHERE = java.util.Set.of("listener", Audit.DOOR);

  private static Map<String, String> where(Map<String, String> details) {
    Map<String, String> kept = new java.util.TreeMap<>();
    details.forEach((k, v) -> {
      if (WHERE.contains(k)) {
        kept.put(k, v);
      }
    });
    return Map.copyOf(kept);
  }

  private static final class Left {
    long count;
    final String firstResult;

    Left(String firstResult) {
      this.firstResult = firstResult;
    }
  }

  /** The throttle of refused connections ({@code connection.refuse}). */
  public RefusalThrottle(Audit audit) {
    this(audit, DEFAULT_PER_MINUTE, System::nanoTime, false);
  }

  /** The throttle of refused calls of callers with a certificate ({@code call.refuse}, {@code admin.refuse}). */
  public static RefusalThrottle forCalls(Audit audit) {
    return new RefusalThrottle(audit, DEFAULT_PER_MINUTE, System::nanoTime, true);
  }

  RefusalThrottle(Audit audit, int perMinute, LongSupplier nanoTime, boolean calls) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.perMinute = perMinute;
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.calls = calls;
    this.windowStart = nanoTime.getAsLong();
  }

  /**
   * Records a refused connection as {@link Audit#recordWithoutWaiting} does (on network threads: never waits for the
   * disk), unless this minute's budget is spent: then it is counted for the minute's summary. Returns whether it was
   * recorded one by one (a caller logs it only then).
   */
  public boolean refused(String actor, String object, String result, String peer, Map<String, String> details) {
    if (calls) {
      throw new IllegalStateException("server: internal error: a refused connection given to the calls' throttle");
    }
    return refused(CONNECTION_REFUSE, actor, object, result, peer, details);
  }

  /** The action of an accepted connection. */
  public static final String CONNECTION_ACCEPT = "connection.accept";

  /**
   * Records an accepted TLS connection of a certificate whose identity the server shuts out (not enrolled, or disabled:
   * every call it makes is refused) as {@value #CONNECTION_ACCEPT} with {@code result} saying why, within the refused
   * connections' budget, as {@link #refused} records (review DN: one record each, unbudgeted, let such a certificate grow
   * the log by gigabytes a day with preface-only connections, and an unenrolled name cannot be revoked).
   */
  public boolean acceptedShutOut(String actor, String object, String result, String peer,
      Map<String, String> details) {
    if (calls) {
      throw new IllegalStateException("server: internal error: a connection given to the calls' throttle");
    }
    return refused(CONNECTION_ACCEPT, actor, object, result, peer, details);
  }

  /**
   * Records the refused call {@code action} ({@code call.refuse}, {@code admin.refuse}) of {@code actor} (its identity,
   * or its certificate's subject) durably, as {@link Audit#record} does, unless this minute's budget is spent: then it
   * is counted for the minute's summary. Returns whether it was recorded one by one.
   */
  public boolean refusedCall(String action, String actor, String object, String result, String peer,
      Map<String, String> details) {
    if (!calls) {
      throw new IllegalStateException("server: internal error: a refused call given to the connections' throttle");
    }
    return refused(action, actor, object, result, peer, details);
  }

  /** The action of a call refused before the core (or a listing or lookup the core does not audit). */
  public static final String CALL_REFUSE = "call.refuse";

  /**
   * Records a {@value #CALL_REFUSE}: the one place that writes one, for every door. Round DA: the transfer port's
   * refusals of an unknown method carried the detail {@code door} and its refusals of a disabled or unknown identity
   * did not. Each carries the door it came through ({@code door}: {@code grpc}, the transfer listener, or {@code sftp}),
   * as every record of a caller's act there does; {@code door} is null on the admin listener, none of whose records
   * carries one (docs/admin.md, "One core, every door"). {@code actor}: the identity, or the certificate's subject of a
   * caller refused before it was authenticated.
   */
  public boolean refusedCall(String actor, String peer, String door, String object, String result) {
    return refusedCall(CALL_REFUSE, actor, object, result, peer, door == null ? Map.of() : Map.of(Audit.DOOR, door));
  }

  /** {@link #refusedCall(String, String, String, String, String)} of an authenticated caller, with its door. */
  public boolean refusedCall(dev.sealdrop.server.core.identity.Principal caller, String object, String result) {
    return refusedCall(caller.identity(), caller.origin().peer(), caller.origin().door(), object, result);
  }

  /**
   * {@link #refusedCall} of an authenticated caller's refused act ({@code grant.redeem}, {@code download.abort},
   * {@code upload.start}, ...): recorded as {@link Audit#record(dev.sealdrop.server.core.identity.Principal, String,
   * String, String, Map)} records it (its door added to {@code details}), within the budget.
   */
  public boolean refusedAct(dev.sealdrop.server.core.identity.Principal caller, String action, String object,
      String result, Map<String, String> details) {
    Map<String, String> all = new java.util.TreeMap<>(details);
    all.put(Audit.DOOR, caller.origin().door());
    return refusedCall(action, caller.identity(), object, result, caller.origin().peer(), all);
  }

  private boolean refused(String action, String actor, String object, String result, String peer,
      Map<String, String> details) {
    java.util.List<Map.Entry<Key, Left>> sums;
    boolean one;
    synchronized (this) {
      sums = rollWindow();
      one = recorded < perMinute;
      if (one) {
        recorded++;
      } else {
        Key key = new Key(action, calls ? actor : "-", object, hostOf(peer), where(details));
        if (left.size() >= MAX_SOURCES && !left.containsKey(key)) {
          // past MAX_SOURCES sums, the source is no longer told apart; a caller still is (round V: a refused redeem of
          // another's grant lost its actor), as one sum per actor and action, which enrolment bounds
          key = calls ? new Key(action, actor, "", "other", Map.of()) : new Key(action, "-", object, "other", Map.of());
        }
        left.computeIfAbsent(key, k -> new Left(result)).count++;
      }
    }
    write(sums); // outside the lock: a durable record waits for the disk
    if (one) {
      write(actor, action, object, result, peer, details);
      if (calls) {
        // each refused call the log records one by one is also a line in the server log (round AQ: a role probe, an
        // admin act refused, an unknown id left none), within the same budget; its connection's refusals are logged by
        // the doors, which say more
        LOG.info("refused: {} by '{}'{} ({}) from {}", action, actor, object == null || object.isEmpty() ? "" : " on " + object, result,
            peer);
      }
    }
    return one;
  }

  /** Writes the summaries of the minute that ended, if it ended; the server's maintenance calls it. */
  public void flush() {
    java.util.List<Map.Entry<Key, Left>> sums;
    synchronized (this) {
      sums = rollWindow();
    }
    write(sums);
  }

  /**
   * Writes the sums of the minute so far at once, and starts a new one: at a shutdown, before {@code server.stop}, so
   * that no refusal left out of the log one by one goes uncounted (outside test: they were lost with the process).
   */
  public void flushAll() {
    java.util.List<Map.Entry<Key, Left>> sums;
    synchronized (this) {
      sums = rollWindow(true);
    }
    write(sums);
  }

  /** Starts a new minute if the last one ended: returns its sums, to be written (and forgets them). */
  private java.util.List<Map.Entry<Key, Left>> rollWindow() {
    return rollWindow(false);
  }

  /** {@link #rollWindow()}, or now whether or not the minute ended if {@code now}. */
  private java.util.List<Map.Entry<Key, Left>> rollWindow(boolean force) {
    long now = nanoTime.getAsLong();
    if (!force && now - windowStart < MINUTE_NANOS) {
      return java.util.List.of();
    }
    windowStart = now;
    recorded = 0;
    java.util.List<Map.Entry<Key, Left>> sums = java.util.List.copyOf(left.entrySet());
    left.clear();
    return sums;
  }

  private void write(java.util.List<Map.Entry<Key, Left>> sums) {
    if (sums.isEmpty()) {
      return;
    }
    for (Map.Entry<Key, Left> e : sums) {
      Key k = e.getKey();
      Map<String, String> details = new java.util.TreeMap<>(k.where());
      details.put("suppressed", Long.toString(e.getValue().count));
      details.put("first-result", e.getValue().firstResult);
      write(k.actor(), k.action(), k.object(), RATE_LIMITED, k.source(), details);
    }
    LOG.warn("{} refused {} from {} source(s) in the last minute were over the audit log's budget of {} a minute:"
        + " each source's are summed in one record (result {})", sums.stream().mapToLong(e -> e.getValue().count).sum(),
        calls ? "call(s)" : "connection(s)", sums.size(), perMinute, RATE_LIMITED);
  }

  private void write(String actor, String action, String object, String result, String peer,
      Map<String, String> details) {
    if (calls) {
      audit.record(actor, action, object, result, peer, details);
    } else {
      audit.recordWithoutWaiting(actor, action, object, result, peer, details);
    }
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
