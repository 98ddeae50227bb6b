package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.RecordEncoding;
import dev.sealdrop.audit.internal.Text;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of the audit log, exactly as it is hashed (docs/audit-log.md, "Record").
 *
 * <p>Validated strictly at construction, so a parsed file can only yield records the writer could
 * have written: every string is well-formed Unicode without control characters and within the
 * bounds below (in UTF-8 bytes); action, result and detail keys are lowercase tokens.
 *
 * @param sequence 1 for the first record, then +1 per record
 * @param timeMillis milliseconds since the Unix epoch (UTC), from the writer's clock
 * @param actor who acted: a certificate identity, "server", or "-" when unknown
 * @param action what happened, a token such as {@code grant.redeem}
 * @param object what it happened to, e.g. {@code grant:7f3a}; may be empty
 * @param result a token such as {@code ok}, {@code denied}, {@code error}
 * @param peer the remote address, e.g. {@code 127.0.0.1:50412}; may be empty
 * @param details further facts (string to string), at most {@link #MAX_DETAILS} entries
 * @param previousHash h_{i-1}, the hash of the previous record (h_0 for the first)
 */
public record AuditRecord(long sequence, long timeMillis, String actor, String action, String object,
    String result, String peer, SortedMap<String, String> details, ChainHash previousHash) {

  public static final int MAX_ACTOR_BYTES = 256;
  public static final int MAX_ACTION_CHARS = 64;
  public static final int MAX_OBJECT_BYTES = 512;
  public static final int MAX_RESULT_CHARS = 32;
  public static final int MAX_PEER_BYTES = 128;
  public static final int MAX_DETAILS = 32;
  public static final int MAX_DETAIL_KEY_CHARS = 64;
  public static final int MAX_DETAIL_VALUE_BYTES = 1024;

  public AuditRecord {
    if (sequence < 1) {
      throw new IllegalArgumentException("audit record: sequence must be >= 1, was " + sequence);
    }
    if (timeMillis < 0) {
      throw new IllegalArgumentException("audit record: timeMillis must be >= 0, was " + timeMillis);
    }
    requireText("actor", actor, 1, MAX_ACTOR_BYTES);
    requireToken("action", action, MAX_ACTION_CHARS);
    requireText("object", object, 0, MAX_OBJECT_BYTES);
    requireToken("result", result, MAX_RESULT_CHARS);
    requireText("peer", peer, 0, MAX_PEER_BYTES);
    Objects.requireNonNull(details, "audit record: details must not be null (use an empty map)");
    if (details.size() > MAX_DETAILS) {
      throw new IllegalArgumentException("audit record: at most " + MAX_DETAILS + " details, got " + details.size());
    }
    TreeMap<String, String> copy = new TreeMap<>();
    for (Map.Entry<String, String> e : details.entrySet()) {
      requireToken("details key", e.getKey(), MAX_DETAIL_KEY_CHARS);
      requireText("details[" + e.getKey() + "]", e.getValue(), 0, MAX_DETAIL_VALUE_BYTES);
      copy.put(e.getKey(), e.getValue());
    }
    details = Collections.unmodifiableSortedMap(copy);
    Objects.requireNonNull(previousHash, "audit record: previousHash must not be null");
  }

  /** The canonical byte encoding of this record (docs/audit-log.md, "Record encoding"). */
  public byte[] canonicalEncoding() {
    return RecordEncoding.encode(this);
  }

  /** h_i = SHA-256(label || previousHash || canonicalEncoding()). */
  public ChainHash hash() {
    return RecordEncoding.chainHash(previousHash, canonicalEncoding());
  }

  private static void requireText(String field, String value, int minBytes, int maxBytes) {
    if (value == null) {
      throw new IllegalArgumentException("audit record: " + field + " must not be null");
    }
    if (!Text.isClean(value)) {
      throw new IllegalArgumentException("audit record: " + field + " has a control character or invalid UTF-16");
    }
    int len = Text.utf8Length(value);
    if (len < minBytes || len > maxBytes) {
      throw new IllegalArgumentException("audit record: " + field + " must be " + minBytes + ".." + maxBytes
          + " UTF-8 bytes, was " + len);
    }
  }

  private static void requireToken(String field, String value, int maxChars) {
    if (!Text.isToken(value, maxChars)) {
      throw new IllegalArgumentException("audit record: " + field
          + " must match [a-z0-9][a-z0-9._-]* and be at most " + maxChars + " characters");
    }
  }
}
