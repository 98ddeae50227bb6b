package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.grant.Claim;
import dev.sealdrop.server.core.grant.ClaimState;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantRepository;
import dev.sealdrop.server.core.grant.GrantRepository.Released;
import dev.sealdrop.server.core.grant.GrantRepository.Settled;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.identity.Credential;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Grants and claims in SQL. The redemption is one conditional UPDATE
 * ({@code ... WHERE state = 'ACTIVE' AND expires_at > ? AND recipient = ?}) whose row count decides
 * the winner; there is no read-then-write in application code.
 */
public final class JdbcGrantRepository implements GrantRepository {
  private static final String GRANT_SELECT = "SELECT g.id, g.file_id, g.owner, g.recipient, g.state, g.created_at,"
      + " g.expires_at, g.max_downloads, g.downloads_used, f.size, f.fingerprint, g.token_hash"
      + " FROM grants g JOIN files f ON f.id = g.file_id";
  private static final String CLAIM_SELECT =
      "SELECT claim_hash, grant_id, recipient, state, created_at, expires_at, served_all_at, resumable FROM claims";
  /** Counts one download: the grant is consumed by its last permitted download, else becomes ACTIVE again. */
  static final String COUNT_DOWNLOAD = "UPDATE grants SET downloads_used = downloads_used + 1,"
      + " state = CASE WHEN downloads_used + 1 >= max_downloads THEN 'CONSUMED' ELSE 'ACTIVE' END, updated_at = ?"
      + " WHERE id = ? AND state = 'CLAIMED'";
  /**
   * Revokes a grant that is live: CLAIMED, or ACTIVE before its expiry (an ACTIVE grant past it is expired, Grant.asOf:
   * nothing is left to revoke, also once a delivered claim counted turned a CLAIMED one back to ACTIVE); binds the time
   * of the revoke, the grant's id and the time again.
   */
  static final String REVOKE = "UPDATE grants SET state = 'REVOKED', updated_at = ?"
      + " WHERE id = ? AND (state = 'CLAIMED' OR state = 'ACTIVE' AND expires_at > ?)";
  /** Ends an OPEN claim that was not served every byte (the grant is then returned). */
  private static final String END_UNDELIVERED =
      "UPDATE claims SET state = ? WHERE claim_hash = ? AND state = 'OPEN' AND served_all_at IS NULL";
  /** The grant's owner is enabled (revoked ones are disabled too); binds one boolean. */
  private static final String OWNER_ENABLED = "EXISTS (SELECT 1 FROM identities WHERE name = grants.owner AND enabled = ?)";
  private final Jdbc jdbc;

  public JdbcGrantRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public void create(Grant g, String tokenHash) {
    jdbc.update("INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
        + " max_downloads, downloads_used, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", g.id(), g.fileId(),
        g.owner(), g.recipient(), tokenHash, g.state().name(), g.createdAt().toEpochMilli(),
        g.expiresAt().toEpochMilli(), g.maxDownloads(), g.downloadsUsed(), g.createdAt().toEpochMilli());
  }

  @Override
  public boolean createWithin(Grant g, String tokenHash, int maxLive, Credential by) {
    // one statement: SQLite runs it under its write lock, so neither the count nor the identities can change before the
    // insert
    long now = g.createdAt().toEpochMilli();
    return jdbc.update("INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
        + " max_downloads, downloads_used, updated_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
        + " WHERE (SELECT COUNT(*) FROM grants WHERE owner = ? AND state = 'ACTIVE' AND expires_at > ?)"
        + " + (SELECT COUNT(*) FROM grants WHERE owner = ? AND state = 'CLAIMED') < ?"
        // an identity revoked or disabled, or the owner's certificate revoked, since the caller's checks (round AE): its
        // revocation has ended its grants, so one written after it would outlive it
        + " AND EXISTS (SELECT 1 FROM identities WHERE name = ? AND enabled = ?)"
        // its file deleted by its owner or purged since the caller's check (round CU: the foreign key refused the
        // insert, answered as an internal error)
        + " AND EXISTS (SELECT 1 FROM files WHERE id = ?) AND " + CredentialConditions.STANDS,
        CredentialConditions.after(by, g.id(), g.fileId(), g.owner(), g.recipient(), tokenHash, g.state().name(), now,
        g.expiresAt().toEpochMilli(), g.maxDownloads(), g.downloadsUsed(), now, g.owner(), now, g.owner(), maxLive,
        g.recipient(), true, g.fileId())) == 1;
  }

  @Override
  public Optional<Grant> find(String grantId) {
    return jdbc.queryOne(GRANT_SELECT + " WHERE g.id = ?", JdbcGrantRepository::grant, grantId);
  }

  @Override
  public Optional<HashedGrant> findByTokenHash(String tokenHash) {
    return jdbc.queryOne(GRANT_SELECT + " WHERE g.token_hash = ?", rs -> new HashedGrant(grant(rs), rs.getString(12)),
        tokenHash);
  }

  @Override
  public Optional<HashedPurge> findPurgedByTokenHash(String tokenHash) {
    return jdbc.queryOne("SELECT grant_id, file_id, recipient, ended_in, expires_at, cause, purged_at, token_hash"
        + " FROM purged_grants WHERE token_hash = ?", rs -> new HashedPurge(new PurgedGrant(rs.getString(1),
            rs.getString(2), rs.getString(3), GrantState.valueOf(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5)),
            PurgedGrant.Cause.valueOf(rs.getString(6)), Instant.ofEpochMilli(rs.getLong(7))), rs.getString(8)),
        tokenHash);
  }

  @Override
  public Optional<PurgedClaim> findPurgedClaim(String claimHash) {
    return jdbc.queryOne("SELECT claim_hash, grant_id, delivered FROM purged_claims WHERE claim_hash = ?",
        rs -> new PurgedClaim(rs.getString(1), rs.getString(2), rs.getBoolean(3)), claimHash);
  }

  @Override
  public Optional<PurgedGrant> findPurged(String grantId, String owner) {
    Jdbc.RowMapper<PurgedGrant> purged = JdbcGrantRepository::purged;
    return owner == null ? jdbc.queryOne(PURGED_SELECT + " WHERE grant_id = ?", purged, grantId)
        : jdbc.queryOne(PURGED_SELECT + " WHERE grant_id = ? AND owner = ?", purged, grantId, owner);
  }

  @Override
  public Optional<PurgedGrant> findPurgedOfFile(String fileId) {
    // no index on file_id: asked only when an admin's purge found no such file
    return jdbc.queryOne(PURGED_SELECT + " WHERE file_id = ? ORDER BY purged_at DESC LIMIT 1", JdbcGrantRepository::purged,
        fileId);
  }

  private static PurgedGrant purged(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new PurgedGrant(rs.getString(1), rs.getString(2), rs.getString(3), GrantState.valueOf(rs.getString(4)),
        Instant.ofEpochMilli(rs.getLong(5)), PurgedGrant.Cause.valueOf(rs.getString(6)),
        Instant.ofEpochMilli(rs.getLong(7)));
  }

  private static final String PURGED_SELECT = "SELECT grant_id, file_id, recipient, ended_in, expires_at, cause,"
      + " purged_at FROM purged_grants";

  @Override
  public List<Grant> listByOwner(String owner, Page.After after, int limit) {
    return listAfter(OWNER_PAGE, owner, after, limit);
  }

  @Override
  public List<Grant> listByRecipient(String recipient, Page.After after, int limit) {
    return listAfter(RECIPIENT_PAGE, recipient, after, limit);
  }

  /** Newest first, as a row value: an index range (review EC: the OR form walked every earlier row of each page). */
  private static final String PAGE_AFTER = " AND (g.created_at, g.id) < (?, ?) ORDER BY g.created_at DESC, g.id DESC"
      + " LIMIT ?";
  private static final String OWNER_PAGE = GRANT_SELECT + " WHERE g.owner = ?" + PAGE_AFTER;
  private static final String RECIPIENT_PAGE = GRANT_SELECT + " WHERE g.recipient = ?" + PAGE_AFTER;

  /** A page ({@link #OWNER_PAGE} or {@link #RECIPIENT_PAGE}) of the grants of {@code identity}. */
  private List<Grant> listAfter(String pageQuery, String identity, Page.After after, int limit) {
    long at = after == null ? Long.MAX_VALUE : after.createdAt().toEpochMilli();
    String id = after == null ? "" : after.id();
    return jdbc.query(pageQuery, JdbcGrantRepository::grant, identity, at, id, limit);
  }

  @Override
  public boolean claim(String grantId, Credential recipient, Instant now, String claimHash, Instant claimExpiresAt,
      boolean resumable, String redeemKeyHash) {
    return jdbc.inTransaction(c -> {
      // both identities enabled and the recipient's certificate not revoked, under SQLite's write lock (round AH): a
      // recipient or owner disabled or revoked (or the recipient's certificate revoked) since the caller's checks is
      // not claimed for after the admin's act returned
      int won = Jdbc.update(c, "UPDATE grants SET state = 'CLAIMED', updated_at = ?"
          + " WHERE id = ? AND state = 'ACTIVE' AND expires_at > ? AND recipient = ?"
          + " AND " + OWNER_ENABLED + " AND " + CredentialConditions.STANDS,
          CredentialConditions.after(recipient, now.toEpochMilli(), grantId, now.toEpochMilli(), recipient.identity(),
          true));
      if (won != 1) {
        return false;
      }
      insertClaim(c, grantId, recipient, now, claimHash, claimExpiresAt, resumable, redeemKeyHash);
      return true;
    });
  }

  private static void insertClaim(Connection c, String grantId, Credential recipient, Instant now, String claimHash,
      Instant claimExpiresAt, boolean resumable, String redeemKeyHash) throws SQLException {
    Jdbc.update(c, "INSERT INTO claims (claim_hash, grant_id, recipient, state, created_at, expires_at, resumable,"
        + " redeem_key_hash) VALUES (?, ?, ?, 'OPEN', ?, ?, ?, ?)", claimHash, grantId, recipient.identity(),
        now.toEpochMilli(), claimExpiresAt.toEpochMilli(), resumable, redeemKeyHash);
  }

  @Override
  public Optional<Replaced> claimAgain(String grantId, Credential recipient, Instant now, String redeemKeyHash,
      String claimHash, Instant claimExpiresAt, boolean resumable) {
    return jdbc.inTransaction(c -> {
      List<Replaced> replaced = Jdbc.query(c, "SELECT claim_hash, expires_at FROM claims WHERE grant_id = ? AND"
          + " state = 'OPEN' AND recipient = ? AND redeem_key_hash = ? AND first_served_at IS NULL AND served_all_at"
          + " IS NULL AND expires_at > ?", rs -> new Replaced(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2))),
          grantId, recipient.identity(), redeemKeyHash, now.toEpochMilli());
      List<Long> grantExpires = Jdbc.query(c, "SELECT expires_at FROM grants WHERE id = ?", rs -> rs.getLong(1),
          grantId);
      if (replaced.size() != 1 || grantExpires.size() != 1) {
        return Optional.empty();
      }
      // a grant expired meanwhile: the new claim no longer than the one it replaces (which could have finished)
      Instant ends = grantExpires.get(0) > now.toEpochMilli() ? claimExpiresAt
          : java.util.Collections.min(List.of(claimExpiresAt, replaced.get(0).newClaimExpiresAt()));
      // the same conditions as a first claim's, on the grant as it is now, but its expiry: the claim it replaces is
      // live (review EF)
      if (Jdbc.update(c, "UPDATE grants SET updated_at = ? WHERE id = ? AND state = 'CLAIMED'"
          + " AND recipient = ? AND " + OWNER_ENABLED + " AND " + CredentialConditions.STANDS,
          CredentialConditions.after(recipient, now.toEpochMilli(), grantId, recipient.identity(), true)) != 1
          || Jdbc.update(c, "UPDATE claims SET state = 'RELEASED', replaced_at = ? WHERE claim_hash = ?"
              + " AND state = 'OPEN' AND first_served_at IS NULL AND served_all_at IS NULL", now.toEpochMilli(),
              replaced.get(0).claimHash()) != 1) {
        return Optional.empty(); // (the grant's updated_at alone may have changed: a time, not a state)
      }
      insertClaim(c, grantId, recipient, now, claimHash, ends, resumable, redeemKeyHash);
      return Optional.of(new Replaced(replaced.get(0).claimHash(), ends));
    });
  }

  @Override
  public Optional<Claim> findClaim(String claimHash) {
    return jdbc.queryOne(CLAIM_SELECT + " WHERE claim_hash = ?", JdbcGrantRepository::claim, claimHash);
  }

  @Override
  public List<Claim> listOpenClaims() {
    return jdbc.query(CLAIM_SELECT + " WHERE state = 'OPEN' ORDER BY created_at, claim_hash", JdbcGrantRepository::claim);
  }

  @Override
  public List<Claim> listServedOpenClaimsOfFile(String fileId) {
    return jdbc.query(CLAIM_SELECT + " WHERE state = 'OPEN' AND served_all_at IS NOT NULL"
        + " AND grant_id IN (SELECT id FROM grants WHERE file_id = ?) ORDER BY created_at, claim_hash",
        JdbcGrantRepository::claim, fileId);
  }

  @Override
  public Optional<Claim> findOpenClaim(String grantId) {
    return jdbc.queryOne(CLAIM_SELECT + " WHERE grant_id = ? AND state = 'OPEN' ORDER BY expires_at DESC LIMIT 1",
        JdbcGrantRepository::claim, grantId);
  }

  @Override
  public boolean extendClaim(String claimHash, Instant at, Instant newExpiry) {
    return jdbc.update("UPDATE claims SET expires_at = ? WHERE claim_hash = ? AND state = 'OPEN'"
        + " AND served_all_at IS NULL AND expires_at > ? AND expires_at < ?", newExpiry.toEpochMilli(), claimHash,
        at.toEpochMilli(), newExpiry.toEpochMilli()) == 1;
  }

  @Override
  public boolean markServedAll(String claimHash, Credential recipient, Instant at, Instant newExpiry) {
    return jdbc.inTransaction(c -> {
      // and only while the grant's owner is enabled, under the write lock its disable takes (review EF: a disable that
      // committed between the last chunk's check and this mark counted the download as cut, and it was delivered),
      // and while the recipient's credential stands (review RC: a recipient disabled, or its certificate revoked, a
      // moment before, passed the stream's once-a-second check and was handed the file's last bytes after the act)
      if (Jdbc.update(c, "UPDATE claims SET served_all_at = ?, expires_at = ?"
          + " WHERE claim_hash = ? AND state = 'OPEN' AND served_all_at IS NULL AND expires_at > ?"
          + " AND EXISTS (SELECT 1 FROM grants g JOIN identities o ON o.name = g.owner WHERE g.id = claims.grant_id"
          + " AND o.enabled = ?) AND " + CredentialConditions.STANDS,
          CredentialConditions.after(recipient, at.toEpochMilli(), newExpiry.toEpochMilli(), claimHash,
              at.toEpochMilli(), true)) == 1) {
        return true;
      }
      // Already marked by an earlier session of the same claim, or closed (or due) meanwhile.
      return !Jdbc.query(c, "SELECT 1 FROM claims WHERE claim_hash = ? AND state = 'OPEN'"
          + " AND served_all_at IS NOT NULL", rs -> rs.getInt(1), claimHash).isEmpty();
    });
  }

  @Override
  public Released release(String claimHash, Instant now, boolean countInterrupted) {
    return jdbc.inTransaction(c -> returnGrant(c, claimHash, ClaimState.RELEASED, null, now, countInterrupted));
  }

  @Override
  public boolean markServing(String claimHash, Instant at) {
    return jdbc.inTransaction(c -> {
      // only on an OPEN claim: one replaced by a redeem again (which requires none of its bytes handed out) in the
      // instant between a chunk's check and this mark does not hand them out after all
      Jdbc.update(c, "UPDATE claims SET first_served_at = ? WHERE claim_hash = ? AND first_served_at IS NULL"
          + " AND state = 'OPEN'", at.toEpochMilli(), claimHash);
      return !Jdbc.query(c, "SELECT 1 FROM claims WHERE claim_hash = ? AND state = 'OPEN'", rs -> rs.getInt(1),
          claimHash).isEmpty();
    });
  }

  @Override
  public int extendStartedClaims(Instant until) {
    return jdbc.update("UPDATE claims SET expires_at = ? WHERE state = 'OPEN' AND resumable = ? AND (served_all_at IS"
        + " NOT NULL OR first_served_at IS NOT NULL) AND expires_at < ?", until.toEpochMilli(), true,
        until.toEpochMilli());
  }

  @Override
  public void forgetServing(String claimHash) {
    jdbc.update("UPDATE claims SET first_served_at = NULL WHERE claim_hash = ? AND state = 'OPEN' AND served_all_at IS"
        + " NULL", claimHash);
  }

  @Override
  public int countDelivered(String grantId) {
    return jdbc.query("SELECT COUNT(*) FROM claims WHERE grant_id = ? AND (state = 'CONFIRMED' OR state = 'COUNTED')",
        rs -> rs.getInt(1), grantId).get(0);
  }

  @Override
  public boolean confirm(String claimHash, Instant now) {
    return jdbc.inTransaction(c -> closeAndCount(c, claimHash, ClaimState.CONFIRMED, now));
  }

  @Override
  public RevokeOutcome revoke(String grantId, Instant now) {
    return jdbc.inTransaction(c -> {
      // A claim that was served every byte has delivered the file: revoking cannot take it back, so
      // that download counts now (as it would when its window passes), and the grant is revoked
      // only if downloads are left; a grant it used up stays CONSUMED and the revoke is refused.
      List<String[]> delivered = Jdbc.query(c, "SELECT claim_hash, recipient FROM claims WHERE grant_id = ? AND state"
          + " = 'OPEN' AND served_all_at IS NOT NULL", rs -> new String[] {rs.getString(1), rs.getString(2)}, grantId);
      List<String> counted = new java.util.ArrayList<>();
      for (String[] claim : delivered) {
        if (closeAndCount(c, claim[0], ClaimState.COUNTED, now)) {
          counted.add(claim[1]);
        }
      }
      int n = Jdbc.update(c, REVOKE, now.toEpochMilli(), grantId, now.toEpochMilli());
      if (n == 1) {
        Jdbc.update(c, "UPDATE claims SET state = 'REVOKED' WHERE grant_id = ? AND state = 'OPEN'", grantId);
      }
      return new RevokeOutcome(n == 1, counted);
    });
  }

  @Override
  public List<Settled> settleExpiredClaims(Instant now, boolean holdersMayResume) {
    List<Claim> due = jdbc.query(CLAIM_SELECT + " WHERE state = 'OPEN' AND expires_at <= ?", JdbcGrantRepository::claim,
        now.toEpochMilli());
    List<Settled> settled = new java.util.ArrayList<>();
    for (Claim claim : due) {
      String claimHash = claim.hash();
      // Decided inside the transaction, by the row as it is then: a claim served in full since the
      // query above counts, and one whose window a last-byte mark moved is not due any more.
      // A lapse that counts as its grant's download for its interrupted claims is reported COUNTED (stored LAPSED).
      Settled ended = jdbc.inTransaction(c -> {
        // a holder the server kept from going on (a lockdown, the grant suspended by its owner's disable, the holder
        // disabled by an admin) until the window ended is not counted for the bytes handed out before (round AO: three
        // lockdowns used a one-time grant; review DI: a disabled holder's gRPC claim counted, its SFTP claim did not)
        boolean counts = holdersMayResume && !Jdbc.query(c, "SELECT 1 FROM grants g JOIN identities o ON o.name ="
            + " g.owner JOIN identities r ON r.name = g.recipient WHERE g.id = ? AND o.enabled = ? AND r.enabled = ?",
            rs -> 1, claim.grantId(), true, true).isEmpty();
        Released r = returnGrant(c, claimHash, ClaimState.LAPSED, now, now, counts);
        ClaimState to = switch (r) {
          case RETURNED, INTERRUPTED -> ClaimState.LAPSED;
          case COUNTED -> ClaimState.COUNTED;
          case NOT -> !Jdbc.query(c, "SELECT 1 FROM claims WHERE claim_hash = ? AND state = 'OPEN' AND served_all_at IS"
                + " NOT NULL AND expires_at <= ?", rs -> rs.getInt(1), claimHash, now.toEpochMilli()).isEmpty()
                && closeAndCount(c, claimHash, ClaimState.COUNTED, now) ? ClaimState.COUNTED : null;
        };
        return to == null ? null : new Settled(new Claim(claim.hash(), claim.grantId(), claim.recipient(), to,
            claim.createdAt(), claim.expiresAt(), claim.servedAllAt(), claim.resumable()), r.interrupted());
      });
      if (ended != null) {
        settled.add(ended);
      }
    }
    return settled;
  }

  /** OPEN → {@code to} and the grant's download counts, in the caller's transaction. */
  private static boolean closeAndCount(Connection c, String claimHash, ClaimState to, Instant now) throws SQLException {
    List<String> grantId = Jdbc.query(c, "SELECT grant_id FROM claims WHERE claim_hash = ? AND state = 'OPEN'",
        rs -> rs.getString(1), claimHash);
    if (grantId.isEmpty()
        || Jdbc.update(c, "UPDATE claims SET state = ? WHERE claim_hash = ? AND state = 'OPEN'", to.name(),
            claimHash) != 1) {
      return false;
    }
    Jdbc.update(c, COUNT_DOWNLOAD, now.toEpochMilli(), grantId.get(0));
    return true;
  }

  /**
   * An undelivered claim ends without counting ({@code to}: LAPSED when its window passed, RELEASED
   * when its holder gave it up) and its grant is returned, in the caller's transaction; only while
   * the claim is OPEN and not served every byte (checked by the UPDATE itself), and, given
   * {@code dueBy}, only if its window ended by then.
   */
  /** What {@link #returnGrant} did. */
  private static Released returnGrant(Connection c, String claimHash, ClaimState to, Instant dueBy, Instant now,
      boolean countInterrupted) throws SQLException {
    List<ClaimOf> row = Jdbc.query(c, "SELECT grant_id, first_served_at FROM claims WHERE claim_hash = ?",
        rs -> new ClaimOf(rs.getString(1), rs.getObject(2) != null), claimHash);
    int ended = dueBy == null
        ? Jdbc.update(c, END_UNDELIVERED, to.name(), claimHash)
        : Jdbc.update(c, END_UNDELIVERED + " AND expires_at <= ?", to.name(), claimHash, dueBy.toEpochMilli());
    if (row.isEmpty() || ended != 1) {
      return Released.NOT;
    }
    String id = row.get(0).grantId();
    if (countInterrupted && row.get(0).served()) {
      Jdbc.update(c, "UPDATE grants SET interrupted_claims = interrupted_claims + 1 WHERE id = ?", id);
      if (Jdbc.update(c, "UPDATE grants SET interrupted_claims = 0 WHERE id = ? AND interrupted_claims >= ?", id,
          INTERRUPTED_CLAIMS_PER_DOWNLOAD) == 1) {
        Jdbc.update(c, COUNT_DOWNLOAD, now.toEpochMilli(), id);
        return Released.COUNTED;
      }
    }
    Jdbc.update(c, "UPDATE grants SET state = 'ACTIVE', updated_at = ? WHERE id = ? AND state = 'CLAIMED'",
        now.toEpochMilli(), id);
    return countInterrupted && row.get(0).served() ? Released.INTERRUPTED : Released.RETURNED;
  }

  /** A claim's grant, and whether bytes of its file were handed out on it. */
  private record ClaimOf(String grantId, boolean served) {}

  private static Grant grant(ResultSet rs) throws SQLException {
    return new Grant(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        GrantState.valueOf(rs.getString(5)), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)),
        rs.getInt(8), rs.getInt(9), rs.getLong(10), rs.getString(11));
  }

  private static Claim claim(ResultSet rs) throws SQLException {
    long served = rs.getLong(7);
    Instant servedAll = rs.wasNull() ? null : Instant.ofEpochMilli(served);
    return new Claim(rs.getString(1), rs.getString(2), rs.getString(3), ClaimState.valueOf(rs.getString(4)),
        Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)), servedAll, rs.getBoolean(8));
  }
}
