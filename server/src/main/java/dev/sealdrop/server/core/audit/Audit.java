package dev.sealdrop.server.core.audit;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.identity.Principal;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Port: the tamper-evident audit log. {@link #record} returns only once the record is durable and
 * throws otherwise (callers fail closed). Values must never contain tokens or other secrets.
 */
public interface Audit {
  /** The actor of events the server itself causes (startup, retention, maintenance). */
  String SERVER = "server";

  /**
   * Appends one record.
   *
   * @param actor an identity, a certificate subject, {@link #SERVER}, or "-" when unknown
   * @param action a token such as {@code grant.redeem}
   * @param object what it happened to, e.g. {@code grant:g_...}; may be empty
   * @param result a token: {@code ok}, {@code denied}, {@code error}, ...
   * @param peer the remote address; may be empty
   * @param details further facts (keys are tokens); never secrets
   */
  void record(String actor, String action, String object, String result, String peer, Map<String, String> details);

  /**
   * Appends one record like {@link #record(String, String, String, String, String, Map)}, but returns
   * once it is in the chain, without waiting for the disk: it is durable as soon as any later record
   * is, or at the next periodic checkpoint. For events on network I/O threads (connections
   * accepted or refused), which must never stall on an fsync, and for the many records of one act that
   * its own record, written with {@link #record} after them, makes durable together.
   */
  void recordWithoutWaiting(String actor, String action, String object, String result, String peer,
      Map<String, String> details);

  default void record(String actor, String action, String object, String result, String peer) {
    record(actor, action, object, result, peer, Map.of());
  }

  /**
   * Appends one record of an authenticated caller's act: the actor is its identity, the peer its
   * door's remote address, and the detail {@value #DOOR} names the door ({@code grpc}, {@code sftp}).
   */
  default void record(Principal caller, String action, String object, String result, Map<String, String> details) {
    Map<String, String> all = new TreeMap<>(details);
    all.put(DOOR, caller.origin().door());
    record(caller.identity(), action, object, result, caller.origin().peer(), all);
  }

  /** The detail that names the front door a caller's act came through. */
  String DOOR = "door";
  /** The result of an act that ended because its stream broke or was cancelled, not refused. */
  String INTERRUPTED = "interrupted";

  /**
   * The object of a record about the {@code kind} ({@code grant}, {@code file}) with {@code id}: {@code kind:id},
   * or empty when the act named none that is well formed (a refused value is never recorded, and a bare
   * {@code grant:} would name nothing either). The one rule for the core's grant and file acts, admin ones included.
   */
  static String object(String kind, String id) {
    return id == null || id.isEmpty() ? "" : kind + ":" + id;
  }

  /** The result token of a refusal: the core's reason ({@code locked-down}), or {@code error}. */
  static String resultOf(Throwable refusal) {
    if (refusal instanceof dev.sealdrop.server.core.UnauthenticatedException u && u.auditResult() != null) {
      return u.auditResult(); // an identity's revocation, told to its client as its certificate's (round DA)
    }
    if (refusal instanceof SealdropException s) {
      return token(s.reason());
    }
    // a full disk or database is the storage-full its client is told (round BM: recorded as a bare error)
    return dev.sealdrop.server.core.StorageFull.of(refusal).map(s -> token(s.reason())).orElse("error");
  }

  /** A reason as a result token: {@code GRANT_EXPIRED} becomes {@code grant-expired}. */
  static String token(Reason reason) {
    return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Writes an export (JSON Lines up to a freshly signed checkpoint); returns what it covers. */
  Export exportTo(OutputStream out) throws IOException;

  /** The last {@code count} records, oldest first. */
  List<Entry> tail(int count) throws IOException;

  /**
   * The latest signed checkpoint that is durable (its note text), if one was signed yet. Handed to
   * every caller of the transfer port, who keeps it as evidence outside the server.
   */
  java.util.Optional<String> latestCheckpoint();

  /**
   * Takes the sequence number of the last record appended on this thread since the last take, and
   * forgets it; -1 if none. A door calls it after each piece of a call's work (gRPC runs a call's
   * callbacks on whichever executor thread is free), so that the records of one call are never
   * credited to the next call that thread serves.
   */
  long takeAppendedOnThisThread();

  /**
   * A durable signed checkpoint that covers the record with this sequence number and all before it,
   * signed now unless the latest one already covers it; the latest durable checkpoint if
   * {@code sequence} is negative (the call appended nothing), or if signing or syncing fails. What
   * the transfer port hands each caller (docs/audit-log.md).
   */
  java.util.Optional<String> checkpointCovering(long sequence);

  /** The audit verifier key text ({@code <name>+<id>+<base64>}). */
  String verifierKey();

  /** Signs a checkpoint now if records are pending, and closes the log. */
  void close();

  /** What an export covers. */
  record Export(long records, String verifierKey) {}

  /** One record, rendered. */
  record Entry(long sequence, long timeMillis, String actor, String action, String object, String result,
      String peer, Map<String, String> details) {
    public Entry {
      details = Map.copyOf(details);
    }
  }
}
