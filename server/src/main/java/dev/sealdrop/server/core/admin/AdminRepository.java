package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Port: the admin views and bulk changes over identities, grants, files and the lockdown switch. */
public interface AdminRepository {
  List<IdentityView> listIdentities();

  /**
   * Grants matching the filter (null: any), newest first (then by id), at most {@code limit}, those after {@code after}
   * (null: from the first); EXPIRED is not stored, pass ACTIVE and filter.
   */
  List<Grant> listGrants(GrantState state, String owner, String recipient, Page.After after, int limit);

  /**
   * A grant an identity's revocation ended, as it was just before: a claim of it that had been served every byte had
   * delivered the file, which a revocation cannot take back, so that download was counted ({@code deliveredCounted});
   * the grant was then revoked only if it had downloads left ({@code revoked}), else it is CONSUMED.
   */
  record EndedGrant(Grant before, boolean deliveredCounted, boolean revoked) {}

  /**
   * Revokes {@code identity} ({@link dev.sealdrop.server.core.identity.IdentityRepository#revokeIdentity}) and, in the
   * same transaction, every ACTIVE (unexpired at {@code now}) or CLAIMED grant created by or addressed to it,
   * counting first the download of a claim served every byte, as a grant's own revoke does. One transaction: a crash
   * between the two left a revoked identity's grants active, their recipients told the sender was "disabled" (round S).
   */
  List<EndedGrant> revokeIdentityAndGrants(String identity, Instant now);

  /**
   * Files (null owner: all), newest first (then by id), with grant counts, at most {@code limit}, those after
   * {@code after} (null: from the first); live grants judged at {@code now}.
   */
  List<FileView> listFiles(String owner, Instant now, Page.After after, int limit);

  /**
   * Deletes the file's row, its grants and their claims, in one transaction, keeping a
   * {@link PurgedGrant} of each grant ({@code cause}, the state it was in at {@code now}); returns the
   * grants deleted, as they were just before (empty if there is no such file, or if {@code cause} is
   * retention and a grant points at the file: granted again since retention listed it as unreachable).
   */
  default Optional<List<Grant>> deleteFile(String fileId, PurgedGrant.Cause cause, Instant now) {
    return deleteFile(fileId, null, cause, now);
  }

  /**
   * As {@link #deleteFile(String, PurgedGrant.Cause, Instant)}, only if {@code owner} owns the file (any owner when
   * null): a file of another owner is left as it is and answered empty, as no such file.
   */
  Optional<List<Grant>> deleteFile(String fileId, String owner, PurgedGrant.Cause cause, Instant now);

  /** Who owns file {@code fileId}; empty if there is no such file. */
  Optional<String> fileOwner(String fileId);

  /** Grants that retention may delete: CONSUMED or REVOKED (last change before cutoff) or expired before cutoff. */
  List<Grant> listRetiredGrants(Instant cutoff);

  /**
   * Retention: deletes one grant and its claims, keeping a {@link PurgedGrant} of it (it ended in
   * {@code endedIn}; purged at {@code now}); returns whether it existed.
   */
  boolean deleteGrant(String grantId, GrantState endedIn, Instant now);

  /**
   * Files created before {@code cutoff} that no grant points at any more. A dead grant (consumed,
   * revoked, expired) keeps its file until retention has purged it, so that no grant is ever
   * deleted with a file, unaudited and before its own period; a live one keeps it anyway.
   */
  List<String> listUnreachableFiles(Instant cutoff);

  Optional<LockdownState> loadLockdown();

  void saveLockdown(LockdownState state);
}
