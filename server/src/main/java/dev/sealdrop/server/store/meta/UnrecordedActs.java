package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.audit.Audit;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, the acts the database holds that the audit log never recorded: an act commits to the database first and
 * is recorded right after, so a crash (kill -9, power loss) between the two left a committed file, a grant, a redeem,
 * a claim replaced by a redeem with its key, a consumed or revoked grant, or a revoked identity with no record at all (round S). Each such act found in the
 * database since shortly before the log's last record (before this start) is recorded now, as the act it was, with
 * the detail {@code recovered} = {@value #RECOVERED} and {@code at} = when the database says it happened. Its actor is
 * the one the database names (the owner of a file or grant, the recipient of a claim); for a revocation, whose author
 * the database does not keep, {@value Audit#SERVER}.
 *
 * <p>Only acts without any record of their kind about the same object since then are recorded, so an act whose record
 * was written is never recorded twice; an act repeated on the same object (a second redeem of one grant) whose later
 * record alone was lost is not found.
 */
public final class UnrecordedActs {
  /** The key, among the recorded acts, of a {@code grant.release} that consumed its grant (the third interrupted). */
  private static final String CONSUMING_RELEASE = "grant.release(consumed) ";
  private static final Logger LOG = LoggerFactory.getLogger(UnrecordedActs.class);

  /** The {@code recovered} detail's value: written at start from the database. */
  public static final String RECOVERED = "from-database-at-start";

  /** How far before the log's last record an unrecorded act may have committed (concurrent acts, slow fsyncs). */
  static final long LOOK_BACK_MILLIS = 60_000;

  /** What a start records before this recovery runs: not acts. */
  private static final Set<String> STARTING = Set.of("server.start",
      dev.sealdrop.server.store.audit.FileAudit.LOG_REPLACED,
      dev.sealdrop.audit.AuditLogWriter.UNSIGNED_TAIL_ACTION, dev.sealdrop.audit.AuditLogWriter.TORN_TAIL_ACTION);

  /** How many of the log's last records are read to see what was recorded. */
  static final int TAIL = 20_000;

  private final Jdbc jdbc;
  private final Audit audit;

  public UnrecordedActs(Database db, Audit audit) {
    this.jdbc = new Jdbc(db);
    this.audit = audit;
  }

  /** An act to record: action, object, actor, when, and its details. */
  private record Act(String action, String object, String actor, long at, Map<String, String> details) {}

  /**
   * Records the acts the database holds that the log before {@code startSequence} (this start's
   * {@code server.start}) does not. Returns how many were recorded.
   */
  public int recordMissing(long startSequence) throws IOException {
    List<Audit.Entry> before = audit.tail(TAIL).stream().filter(e -> e.sequence() < startSequence).toList();
    if (before.isEmpty()) {
      return 0; // a new log: nothing was recorded before, and nothing happened before it
    }
    // from the last act before this start: a start that died before its recovery left only its own records after
    // them (round V: two crashes in a row lost the acts for good)
    long last = before.get(before.size() - 1).timeMillis();
    for (int i = before.size() - 1; i >= 0; i--) {
      // nor are the records a recovery that died halfway wrote (round W)
      if (!STARTING.contains(before.get(i).action())
          && !RECOVERED.equals(before.get(i).details().get("recovered"))) {
        last = before.get(i).timeMillis();
        break;
      }
    }
    long cutoff = last - LOOK_BACK_MILLIS;
    if (before.size() >= TAIL - 10) {
      cutoff = Math.max(cutoff, before.get(0).timeMillis()); // only as far back as the records read
    }
    Set<String> recorded = new HashSet<>();
    for (Audit.Entry e : before) {
      // acts that happened: a refusal of the same act on the same object (a redeem of a claimed grant) is no record
      if (e.timeMillis() >= cutoff && e.result().equals("ok")) {
        recorded.add(e.action() + " " + e.object());
        if (e.action().equals("grant.release") && e.details().containsKey("interrupted-claims")) {
          recorded.add(CONSUMING_RELEASE + e.object());
        }
      }
    }
    List<Act> missing = new ArrayList<>();
    for (Act act : actsSince(cutoff)) {
      boolean seen = switch (act.action()) {
        // or the release of the third interrupted claim, which consumed it (review EF: any release of the grant, a
        // busy refusal's or a redeem-again's, hid a consume lost to a crash)
        case "grant.consume" -> recorded.contains("grant.consume " + act.object())
            || recorded.contains(CONSUMING_RELEASE + act.object());
        case "grant.revoke" -> recorded.contains("grant.revoke " + act.object())
            || recorded.contains("admin.grant.revoke " + act.object());
        default -> recorded.contains(act.action() + " " + act.object());
      };
      if (!seen) {
        missing.add(act);
      }
    }
    missing.sort(java.util.Comparator.comparingLong(Act::at));
    for (Act act : missing) {
      Map<String, String> details = new TreeMap<>(act.details());
      details.put("recovered", RECOVERED);
      details.put("at", Instant.ofEpochMilli(act.at()).toString());
      audit.record(act.actor(), act.action(), act.object(), "ok", "", details);
      LOG.warn("audit: {} of {} by '{}' at {} is in the database but was never recorded (the server stopped between"
          + " the two): recorded now", act.action(), act.object(), act.actor(), Instant.ofEpochMilli(act.at()));
    }
    return missing.size();
  }

  private List<Act> actsSince(long cutoff) {
    List<Act> acts = new ArrayList<>();
    acts.addAll(jdbc.query("SELECT id, owner, size, created_at FROM files WHERE created_at >= ?",
        rs -> new Act("upload.commit", "file:" + rs.getString(1), rs.getString(2), rs.getLong(4),
            Map.of("file-id", rs.getString(1), "size", Long.toString(rs.getLong(3)))), cutoff));
    acts.addAll(jdbc.query("SELECT id, file_id, owner, recipient, created_at FROM grants WHERE created_at >= ?",
        rs -> new Act("grant.create", "grant:" + rs.getString(1), rs.getString(3), rs.getLong(5),
            grantDetails(rs.getString(1), rs.getString(2), rs.getString(4))), cutoff));
    acts.addAll(jdbc.query("SELECT g.id, g.file_id, c.recipient, c.created_at FROM claims c JOIN grants g"
        + " ON g.id = c.grant_id WHERE c.created_at >= ?",
        rs -> new Act("grant.redeem", "grant:" + rs.getString(1), rs.getString(3), rs.getLong(4),
            grantDetails(rs.getString(1), rs.getString(2), rs.getString(3))), cutoff));
    // a claim replaced by its holder's redeem with the same redeem key (the redeem that replaced it is a claim above)
    acts.addAll(jdbc.query("SELECT g.id, g.file_id, c.recipient, c.replaced_at FROM claims c JOIN grants g"
        + " ON g.id = c.grant_id WHERE c.replaced_at >= ?",
        rs -> new Act("grant.release", "grant:" + rs.getString(1), rs.getString(3), rs.getLong(4),
            withCause(grantDetails(rs.getString(1), rs.getString(2), rs.getString(3)),
            dev.sealdrop.server.core.grant.GrantService.REDEEMED_AGAIN)), cutoff));
    // a consumed grant: its recipient's confirmation if a claim was confirmed, else the server's count (a lapse)
    acts.addAll(jdbc.query("SELECT g.id, g.file_id, g.recipient, g.updated_at, EXISTS (SELECT 1 FROM claims c WHERE"
        + " c.grant_id = g.id AND c.state = 'CONFIRMED') FROM grants g WHERE g.state = 'CONSUMED' AND g.updated_at >= ?",
        rs -> new Act("grant.consume", "grant:" + rs.getString(1), rs.getBoolean(5) ? rs.getString(3) : Audit.SERVER,
            rs.getLong(4), grantDetails(rs.getString(1), rs.getString(2), rs.getString(3))), cutoff));
    acts.addAll(jdbc.query("SELECT id, file_id, recipient, updated_at FROM grants WHERE state = 'REVOKED'"
        + " AND updated_at >= ?", rs -> new Act("grant.revoke", "grant:" + rs.getString(1), Audit.SERVER,
            rs.getLong(4), grantDetails(rs.getString(1), rs.getString(2), rs.getString(3))), cutoff));
    acts.addAll(jdbc.query("SELECT name, revoked_at FROM revoked_identities WHERE revoked_at >= ?",
        rs -> new Act("admin.identity.revoke", "identity:" + rs.getString(1), Audit.SERVER, rs.getLong(2),
            Map.of()), cutoff));
    acts.addAll(jdbc.query("SELECT identity, serial, revoked_at FROM revoked_certificate_owners WHERE revoked_at >= ?",
        rs -> new Act("admin.certificate.revoke", "identity:" + rs.getString(1), Audit.SERVER, rs.getLong(3),
            Map.of("serial", rs.getString(2))), cutoff));
    // who may do what, and with which keys (round V: an admin added just before a crash was never recorded)
    acts.addAll(jdbc.query("SELECT name, role, created_at FROM identities WHERE created_at >= ?",
        rs -> new Act("admin.identity.add", "identity:" + rs.getString(1), Audit.SERVER, rs.getLong(3),
            Map.of("role", rs.getString(2).toLowerCase(java.util.Locale.ROOT))), cutoff));
    acts.addAll(jdbc.query("SELECT identity, fingerprint, added_at FROM ssh_keys WHERE added_at >= ?",
        rs -> new Act("sshkey.add", "identity:" + rs.getString(1), rs.getString(1), rs.getLong(3),
            Map.of("fingerprint", rs.getString(2))), cutoff));
    acts.addAll(jdbc.query("SELECT identity, fingerprint, published_at FROM key_bundles WHERE published_at >= ?",
        rs -> new Act("key.publish", "identity:" + rs.getString(1), rs.getString(1), rs.getLong(3),
            Map.of("fingerprint", rs.getString(2))), cutoff));
    // a grant deleted with its file or by retention: its tombstone says how and when (review RE: a crash before the
    // purge's record left the grant's history without its end); an admin's purge does not keep which admin
    acts.addAll(jdbc.query("SELECT grant_id, file_id, owner, ended_in, cause, purged_at FROM purged_grants"
        + " WHERE purged_at >= ?", UnrecordedActs::purged, cutoff));
    acts.addAll(jdbc.query("SELECT active, changed_by, changed_at FROM lockdown WHERE changed_at >= ?",
        rs -> new Act(rs.getBoolean(1) ? "lockdown.on" : "lockdown.off", "server", rs.getString(2), rs.getLong(3),
            Map.of()), cutoff));
    return acts;
  }

  /** The record a purged grant's removal would have had, from its tombstone. */
  private static Act purged(java.sql.ResultSet rs) throws java.sql.SQLException {
    String grantId = rs.getString(1);
    String state = rs.getString(4).toLowerCase(java.util.Locale.ROOT);
    Map<String, String> details = new TreeMap<>(Map.of("grant-id", grantId, "file-id", rs.getString(2), "state",
        state));
    String cause = rs.getString(5);
    if (dev.sealdrop.server.core.grant.PurgedGrant.Cause.RETENTION.name().equals(cause)) {
      return new Act("retention.purge-grant", "grant:" + grantId, Audit.SERVER, rs.getLong(6), details);
    }
    boolean byOwner = dev.sealdrop.server.core.grant.PurgedGrant.Cause.OWNER.name().equals(cause);
    details.put("cause", byOwner ? "file-deleted" : "file-purged");
    String owner = rs.getString(3);
    return new Act("grant.purge", "grant:" + grantId, byOwner && !owner.isEmpty() ? owner : Audit.SERVER,
        rs.getLong(6), details);
  }

  private static Map<String, String> withCause(Map<String, String> details, String cause) {
    Map<String, String> d = new TreeMap<>(details);
    d.put("cause", cause);
    return d;
  }

  private static Map<String, String> grantDetails(String grantId, String fileId, String recipient) {
    return Map.of("grant-id", grantId, "file-id", fileId, "recipient", recipient);
  }
}
