package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.Text;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the server reports to {@link AuditLogWriter#append(AuditEvent)}; the writer adds the
 * sequence number, time and previous hash.
 *
 * <p>Free-text fields (actor, object, peer, detail values) come from the outside world, e.g. a
 * certificate subject, so they are made acceptable rather than refused: control characters and
 * invalid UTF-16 become U+FFFD and over-long values are cut and end with "…". An audit event is
 * never lost because of odd input. Action, result and detail keys are the server's own constants
 * and must already be tokens ({@code [a-z0-9][a-z0-9._-]*}).
 */
public record AuditEvent(String actor, String action, String object, String result, String peer,
    SortedMap<String, String> details) {

  public AuditEvent {
    actor = Text.sanitize(actor, AuditRecord.MAX_ACTOR_BYTES);
    if (actor.isEmpty()) {
      actor = "-";
    }
    if (!Text.isToken(action, AuditRecord.MAX_ACTION_CHARS)) {
      throw new IllegalArgumentException("audit event: action must match [a-z0-9][a-z0-9._-]*, at most "
          + AuditRecord.MAX_ACTION_CHARS + " characters");
    }
    object = Text.sanitize(object, AuditRecord.MAX_OBJECT_BYTES);
    if (!Text.isToken(result, AuditRecord.MAX_RESULT_CHARS)) {
      throw new IllegalArgumentException("audit event: result must match [a-z0-9][a-z0-9._-]*, at most "
          + AuditRecord.MAX_RESULT_CHARS + " characters");
    }
    peer = Text.sanitize(peer, AuditRecord.MAX_PEER_BYTES);
    Objects.requireNonNull(details, "audit event: details must not be null (use Map.of())");
    if (details.size() > AuditRecord.MAX_DETAILS) {
      throw new IllegalArgumentException("audit event: at most " + AuditRecord.MAX_DETAILS + " details");
    }
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : details.entrySet()) {
      if (!Text.isToken(e.getKey(), AuditRecord.MAX_DETAIL_KEY_CHARS)) {
        throw new IllegalArgumentException("audit event: details key must match [a-z0-9][a-z0-9._-]*");
      }
      copy.put(e.getKey(), Text.sanitize(e.getValue(), AuditRecord.MAX_DETAIL_VALUE_BYTES));
    }
    details = java.util.Collections.unmodifiableSortedMap(copy);
  }

  /** An event without details. */
  public static AuditEvent of(String actor, String action, String object, String result, String peer) {
    return new AuditEvent(actor, action, object, result, peer, new TreeMap<>());
  }

  /** An event with details (copied and sorted). */
  public static AuditEvent of(String actor, String action, String object, String result, String peer,
      Map<String, String> details) {
    return new AuditEvent(actor, action, object, result, peer, new TreeMap<>(details));
  }
}
