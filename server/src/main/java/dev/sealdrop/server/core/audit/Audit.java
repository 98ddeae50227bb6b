package dev.sealdrop.server.core.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

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

  default void record(String actor, String action, String object, String result, String peer) {
    record(actor, action, object, result, peer, Map.of());
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
