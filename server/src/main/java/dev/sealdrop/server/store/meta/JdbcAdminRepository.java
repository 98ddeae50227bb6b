package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.admin.AdminRepository;
import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.admin.FileView;
import dev.sealdrop.server.core.admin.IdentityView;
import dev.sealdrop.server.core.admin.LockdownState;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.identity.Role;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The admin views and bulk changes in SQL (V30__admin.sql). Optional filters are bound as
 * parameters ({@code ? = '' OR column = ?}), so every statement is a constant.
 */
public final class JdbcAdminRepository implements AdminRepository {
  private static final String GRANT_SELECT = "SELECT g.id, g.file_id, g.owner, g.recipient, g.state, g.created_at,"
      + " g.expires_at, g.max_downloads, g.downloads_used, f.size, f.fingerprint"
      + " FROM grants g JOIN files f ON f.id = g.file_id";
  /** Keeps what a purged grant's recipient is told (PurgedGrant), selected from grants: the caller adds the rest. */
  private static final String KEEP_PURGED = "INSERT INTO purged_grants (token_hash, grant_id, file_id, recipient,"
      + " owner, ended_in, expires_at, cause, purged_at) SELECT token_hash, id, file_id, recipient, owner,";
  /** Keeps what a purged grant's claim holder is told (PurgedClaim), selected from claims: the caller adds WHERE. */
  private static final String KEEP_PURGED_CLAIMS = "INSERT INTO purged_claims (claim_hash, grant_id, delivered)"
      + " SELECT claim_hash, grant_id, CASE WHEN served_all_at IS NOT NULL THEN TRUE ELSE FALSE END FROM claims";
  private static final String LIVE = "(g.state = 'CLAIMED' OR (g.state = 'ACTIVE' AND g.expires_at > ?))";
  private final Jdbc jdbc;

  public JdbcAdminRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public List<IdentityView> listIdentities() {
    Map<String, List<String>> serials = jdbc.query("SELECT identity, serial FROM revoked_certificate_owners"
        + " ORDER BY revoked_at", rs -> new String[] {rs.getString(1), rs.getString(2)}).stream()
        .collect(Collectors.groupingBy(r -> r[0], Collectors.mapping(r -> r[1], Collectors.toList())));
    return jdbc.query("SELECT i.name, i.role, i.enabled, i.created_at, r.name FROM identities i"
        + " LEFT JOIN revoked_identities r ON r.name = i.name ORDER BY i.name", rs -> new IdentityView(rs.getString(1),
            Role.parse(rs.getString(2)), rs.getString(5) != null ? IdentityView.State.REVOKED
                : rs.getBoolean(3) ? IdentityView.State.ACTIVE : IdentityView.State.DISABLED,
            Instant.ofEpochMilli(rs.getLong(4)), serials.getOrDefault(rs.getString(1), List.of())));
  }

  @Override
  public List<Grant> listGrants(GrantState state, String owner, String recipient, Page.After after, int limit) {
    String s = state == null ? "" : state.name();
    String o = owner == null ? "" : owner;
    String r = recipient == null ? "" : recipient;
    long at = after == null ? Long.MAX_VALUE : after.createdAt().toEpochMilli();
    String id = after == null ? "" : after.id();
    return jdbc.query(GRANT_SELECT + " WHERE (? = '' OR g.state = ?) AND (? = '' OR g.owner = ?)"
        + " AND (? = '' OR g.recipient = ?) AND (g.created_at < ? OR (g.created_at = ? AND g.id > ?))"
        + " ORDER BY g.created_at DESC, g.id LIMIT ?", JdbcAdminRepository::grant, s, s, o, o, r, r, at, at, id,
        limit);
  }

  @Override
  public List<EndedGrant> revokeIdentityAndGrants(String identity, Instant now) {
    return jdbc.inTransaction(c -> {
      JdbcIdentityRepository.revokeIdentity(c, identity, now);
      List<Grant> grants = Jdbc.query(c, GRANT_SELECT + " WHERE (g.owner = ? OR g.recipient = ?)"
          + " AND g.state IN ('ACTIVE', 'CLAIMED') ORDER BY g.id", JdbcAdminRepository::grant, identity, identity);
      List<EndedGrant> ended = new java.util.ArrayList<>();
      for (Grant g : grants) {
        if (g.asOf(now).state() == GrantState.EXPIRED) {
          continue; // ended already, by its own expiry: kept as expired (round CA), as a grant's own revoke does
        }
        // a claim served every byte delivered the file: its download counts (as JdbcGrantRepository.revoke counts it)
        boolean delivered = Jdbc.update(c, "UPDATE claims SET state = 'COUNTED' WHERE grant_id = ? AND state = 'OPEN'"
            + " AND served_all_at IS NOT NULL", g.id()) > 0;
        if (delivered) {
          Jdbc.update(c, JdbcGrantRepository.COUNT_DOWNLOAD, now.toEpochMilli(), g.id());
        }
        // the same rule as a grant's own revoke: a claimed grant past its expiry whose delivered claim was just counted
        // is ACTIVE and expired now (review CD), and stays so
        boolean revoked = Jdbc.update(c, JdbcGrantRepository.REVOKE, now.toEpochMilli(), g.id(),
            now.toEpochMilli()) == 1;
        if (revoked) {
          Jdbc.update(c, "UPDATE claims SET state = 'REVOKED' WHERE grant_id = ? AND state = 'OPEN'", g.id());
        }
        ended.add(new EndedGrant(g, delivered, revoked));
      }
      return ended;
    });
  }

  @Override
  public List<FileView> listFiles(String owner, Instant at, Page.After after, int limit) {
    String o = owner == null ? "" : owner;
    long now = at.toEpochMilli();
    long before = after == null ? Long.MAX_VALUE : after.createdAt().toEpochMilli();
    String id = after == null ? "" : after.id();
    return jdbc.query("SELECT f.id, f.owner, f.size, f.fingerprint, f.created_at,"
        + " (SELECT COUNT(*) FROM grants g WHERE g.file_id = f.id),"
        + " (SELECT COUNT(*) FROM grants g WHERE g.file_id = f.id AND " + LIVE + ")"
        + " FROM files f WHERE (? = '' OR f.owner = ?) AND (f.created_at < ? OR (f.created_at = ? AND f.id > ?))"
        + " ORDER BY f.created_at DESC, f.id LIMIT ?",
        rs -> new FileView(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
            Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6), rs.getInt(7)), now, o, o, before, before, id, limit);
  }

  @Override
  public Optional<List<Grant>> deleteFile(String fileId, String owner, PurgedGrant.Cause cause, Instant now) {
    return jdbc.inTransaction(c -> {
      if ((owner == null ? Jdbc.query(c, "SELECT 1 FROM files WHERE id = ?", rs -> 1, fileId)
          : Jdbc.query(c, "SELECT 1 FROM files WHERE id = ? AND owner = ?", rs -> 1, fileId, owner)).isEmpty()) {
        return Optional.empty();
      }
      if (cause == PurgedGrant.Cause.RETENTION
          && !Jdbc.query(c, "SELECT 1 FROM grants WHERE file_id = ? LIMIT 1", rs -> 1, fileId).isEmpty()) {
        // retention deletes only files no grant points at; its owner granted it since the sweep listed it
        return Optional.empty();
      }
      List<Grant> grants = Jdbc.query(c, GRANT_SELECT + " WHERE g.file_id = ? ORDER BY g.id", JdbcAdminRepository::grant,
          fileId);
      // an ACTIVE grant past its expiry ended EXPIRED (Grant.asOf); a CLAIMED one whose claim was served every byte,
      // its last download, ended CONSUMED: that download counts (round CX: its holder was told "it was claimed by a
      // download" and to ask for the file again, though it had it)
      Jdbc.update(c, KEEP_PURGED + " CASE WHEN state = 'ACTIVE' AND expires_at <= ? THEN 'EXPIRED'"
          + " WHEN state = 'CLAIMED' AND downloads_used + 1 >= max_downloads AND EXISTS (SELECT 1 FROM claims WHERE"
          + " claims.grant_id = grants.id AND claims.state = 'OPEN' AND claims.served_all_at IS NOT NULL)"
          + " THEN 'CONSUMED' ELSE state END, expires_at, ?, ? FROM grants WHERE file_id = ?", now.toEpochMilli(),
          cause.name(), now.toEpochMilli(), fileId);
      Jdbc.update(c, KEEP_PURGED_CLAIMS + " WHERE grant_id IN (SELECT id FROM grants WHERE file_id = ?)", fileId);
      Jdbc.update(c, "DELETE FROM claims WHERE grant_id IN (SELECT id FROM grants WHERE file_id = ?)", fileId);
      Jdbc.update(c, "DELETE FROM grants WHERE file_id = ?", fileId);
      Jdbc.update(c, "UPDATE uploads SET file_id = NULL WHERE file_id = ?", fileId);
      Jdbc.update(c, "DELETE FROM files WHERE id = ?", fileId);
      return Optional.of(grants);
    });
  }

  @Override
  public Optional<String> fileOwner(String fileId) {
    return jdbc.queryOne("SELECT owner FROM files WHERE id = ?", rs -> rs.getString(1), fileId);
  }

  @Override
  public List<Grant> listRetiredGrants(Instant cutoff) {
    long t = cutoff.toEpochMilli();
    return jdbc.query(GRANT_SELECT + " WHERE (g.state IN ('CONSUMED', 'REVOKED') AND g.updated_at < ?)"
        + " OR (g.state = 'ACTIVE' AND g.expires_at < ?) ORDER BY g.id", JdbcAdminRepository::grant, t, t);
  }

  @Override
  public boolean deleteGrant(String grantId, GrantState endedIn, Instant now) {
    return jdbc.inTransaction(c -> {
      Jdbc.update(c, KEEP_PURGED + " ?, expires_at, ?, ? FROM grants WHERE id = ?", endedIn.name(),
          PurgedGrant.Cause.RETENTION.name(), now.toEpochMilli(), grantId);
      Jdbc.update(c, KEEP_PURGED_CLAIMS + " WHERE grant_id = ?", grantId);
      Jdbc.update(c, "DELETE FROM claims WHERE grant_id = ?", grantId);
      return Jdbc.update(c, "DELETE FROM grants WHERE id = ?", grantId) == 1;
    });
  }

  @Override
  public List<String> listUnreachableFiles(Instant cutoff) {
    return jdbc.query("SELECT f.id FROM files f WHERE f.created_at < ? AND NOT EXISTS (SELECT 1 FROM grants g"
        + " WHERE g.file_id = f.id) ORDER BY f.id", rs -> rs.getString(1), cutoff.toEpochMilli());
  }

  @Override
  public Optional<LockdownState> loadLockdown() {
    return jdbc.queryOne("SELECT active, reason, changed_by, changed_at FROM lockdown WHERE id = 1",
        rs -> new LockdownState(rs.getBoolean(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4))));
  }

  @Override
  public void saveLockdown(LockdownState s) {
    jdbc.inTransaction(c -> {
      int n = Jdbc.update(c, "UPDATE lockdown SET active = ?, reason = ?, changed_by = ?, changed_at = ? WHERE id = 1",
          s.on(), s.reason(), s.changedBy(), s.changedAt().toEpochMilli());
      if (n == 0) {
        Jdbc.update(c, "INSERT INTO lockdown (id, active, reason, changed_by, changed_at) VALUES (1, ?, ?, ?, ?)",
            s.on(), s.reason(), s.changedBy(), s.changedAt().toEpochMilli());
      }
      return null;
    });
  }

  private static Grant grant(ResultSet rs) throws SQLException {
    return new Grant(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        GrantState.valueOf(rs.getString(5)), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
        rs.getInt(8), rs.getInt(9), rs.getLong(10), rs.getString(11));
  }
}
