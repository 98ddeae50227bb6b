package dev.sealdrop.server.core.grant;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.identity.Credential;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Port: grants and claims. Every state change is a single conditional UPDATE (compare-and-set) or
 * one transaction, so that several server nodes sharing one database agree.
 */
public interface GrantRepository {
  /** Stores a new ACTIVE grant; the token exists only as {@code tokenHash}. */
  void create(Grant grant, String tokenHash);

  /**
   * {@link #create}, if the grant's owner has fewer than {@code maxLive} live grants (active and unexpired at the
   * grant's creation time, or claimed), its owner's certificate {@code by} stands (the owner enabled, the certificate
   * not revoked), its recipient is an enabled identity and its file exists, checked and inserted in one step; false,
   * and nothing stored, otherwise.
   */
  boolean createWithin(Grant grant, String tokenHash, int maxLive, Credential by);

  Optional<Grant> find(String grantId);

  /** The grant with this token hash, and the stored hash (for a constant-time comparison). */
  Optional<HashedGrant> findByTokenHash(String tokenHash);

  /** What is kept of a purged grant with this token hash, and the stored hash (for a constant-time comparison). */
  Optional<HashedPurge> findPurgedByTokenHash(String tokenHash);

  /** What was kept of a claim of a purged grant ({@link PurgedClaim}), by the claim's hash. */
  Optional<PurgedClaim> findPurgedClaim(String claimHash);

  /** The purged grant {@code grantId}, if {@code owner} created it ({@code owner} null: whoever did). */
  Optional<PurgedGrant> findPurged(String grantId, String owner);

  /** The latest-purged grant that pointed at file {@code fileId}, if a purge of that file kept one. */
  Optional<PurgedGrant> findPurgedOfFile(String fileId);

  /**
   * At most {@code limit} of the grants {@code owner} made, newest first (by creation, then id, both descending),
   * starting after {@code after} (null: at the first).
   */
  List<Grant> listByOwner(String owner, Page.After after, int limit);

  /** At most {@code limit} of the grants addressed to {@code recipient}, in the order of {@link #listByOwner}. */
  List<Grant> listByRecipient(String recipient, Page.After after, int limit);

  /**
   * The compare-and-set: {@code ACTIVE → CLAIMED} only if the grant is ACTIVE, unexpired at
   * {@code now}, addressed to the identity of {@code recipient}, whose certificate stands (identity enabled,
   * certificate not revoked), and its owner is enabled; in the same transaction records the claim.
   * Returns whether this caller won. {@code resumable}: whether a later connection may go on with the
   * claim ({@link Claim#resumable}).
   */
  default boolean claim(String grantId, Credential recipient, Instant now, String claimHash, Instant claimExpiresAt,
      boolean resumable) {
    return claim(grantId, recipient, now, claimHash, claimExpiresAt, resumable, null);
  }

  /**
   * {@link #claim(String, Credential, Instant, String, Instant, boolean)}, keeping {@code redeemKeyHash} (the hash of
   * the client's redeem key, or null) with the claim, for {@link #claimAgain}.
   */
  boolean claim(String grantId, Credential recipient, Instant now, String claimHash, Instant claimExpiresAt,
      boolean resumable, String redeemKeyHash);

  /**
   * Replaces the CLAIMED grant's OPEN claim that {@code recipient}'s identity made with the redeem key hashed as
   * {@code redeemKeyHash}, if no byte of the file was handed out on it and its window has not passed at {@code now},
   * by a new claim ({@code claimHash}, same key): the old claim ends RELEASED, uncounted. Only while the recipient's
   * certificate stands and the grant's owner is enabled, as for {@link #claim}; in one transaction. The new claim is
   * open until {@code claimExpiresAt}, or, if the grant has expired meanwhile, no longer than the claim it replaces
   * (review EF: the redeem that made the claim was refused once the grant had expired, so that a receive whose answer
   * was lost near the grant's end could not reach its live claim at all, and lost the file). Returns the replaced
   * claim and the new claim's end, or empty (nothing changed).
   */
  Optional<Replaced> claimAgain(String grantId, Credential recipient, Instant now, String redeemKeyHash,
      String claimHash, Instant claimExpiresAt, boolean resumable);

  Optional<Claim> findClaim(String claimHash);

  /** Every OPEN claim (one per CLAIMED grant at most). */
  List<Claim> listOpenClaims();

  /** The OPEN claims on grants of file {@code fileId} that were served every byte (their downloads delivered it). */
  List<Claim> listServedOpenClaimsOfFile(String fileId);

  /**
   * How many of the grant's downloads were counted for a claim that delivered the file (confirmed, or served every
   * byte and counted); its other used downloads were counted for interrupted claims ({@link
   * #INTERRUPTED_CLAIMS_PER_DOWNLOAD}).
   */
  int countDelivered(String grantId);

  /** The grant's OPEN claim (a CLAIMED grant has one), if any. */
  Optional<Claim> findOpenClaim(String grantId);

  /**
   * Forgets that bytes were handed out on an OPEN claim not served every byte, so that giving it back does not count
   * as an interrupted claim: its file was found damaged on the server, which no holder causes.
   */
  void forgetServing(String claimHash);

  /**
   * Records that every byte was served (first time only) and moves the claim's expiry, if the claim
   * is still OPEN, its window has not passed at {@code at}, its grant's owner is enabled and the
   * {@code recipient}'s credential stands. Returns whether the claim now counts as fully served;
   * false means it was settled, released or revoked meanwhile, or one of the two parties was
   * disabled or revoked, and the last bytes must not be handed out.
   */
  boolean markServedAll(String claimHash, dev.sealdrop.server.core.identity.Credential recipient, Instant at,
      Instant newExpiry);

  /**
   * Moves an OPEN claim's expiry to {@code newExpiry} while its download is still being served (not every byte yet),
   * if its window has not passed at {@code at}; never earlier than it is. Returns whether the claim was moved.
   */
  boolean extendClaim(String claimHash, Instant at, Instant newExpiry);

  /** What {@link #claimAgain} did: the claim it replaced, and when the new claim's window ends. */
  record Replaced(String claimHash, Instant newClaimExpiresAt) {}

  /**
   * How many claims of a grant may end unfinished after bytes of its file were handed out on them (released by their
   * holder, or lapsed) before that counts as one of its downloads. A download can be given back before its last bytes
   * (the format's chunks are sealed one by one, so everything before them can be read): without a count, a holder
   * could take all but the end of the file again and again under new claims, and a one-time grant would never be
   * used up. Three allows for a receive that fails twice (a full disk, a machine that went down) and is run again.
   */
  int INTERRUPTED_CLAIMS_PER_DOWNLOAD = 3;

  /**
   * Records, once per claim, that bytes of its file are being handed out ({@code at}: the first time). Returns whether
   * the claim is OPEN: false if it ended meanwhile (replaced by {@link #claimAgain}, released, revoked), and its bytes
   * must not be handed out.
   */
  boolean markServing(String claimHash, Instant at);

  /**
   * OPEN → RELEASED and the grant ACTIVE again, only while the claim has not been served every byte
   * (a delivered file counts; it cannot be handed back). A claim on which bytes were handed out counts as interrupted
   * if {@code countInterrupted} ({@link #INTERRUPTED_CLAIMS_PER_DOWNLOAD}; false only for a claim the server's restart
   * ended). Returns how the claim ended, or {@link Released#NOT}.
   */
  Released release(String claimHash, Instant now, boolean countInterrupted);

  /**
   * Moves the end of every OPEN resumable claim on which bytes were handed out (some, or every byte) and that ends
   * before {@code until} to {@code until}; returns how many. At start: the server was down for part of their window;
   * the last bytes of one served every byte may never have left it ({@code served_all_at} is marked before they are
   * sent), and one served in part would lapse as its holder's interrupted claim (round AC).
   */
  int extendStartedClaims(Instant until);

  /** How a claim given back ({@link #release}, or a lapse) ended. */
  enum Released {
    /** The claim was not OPEN, or was served every byte, or (given a due time) not due. */
    NOT,
    /** The claim ended and its grant was given back. */
    RETURNED,
    /** The claim ended and its grant was given back; bytes had been handed out on it: one of its interrupted claims. */
    INTERRUPTED,
    /** The claim ended, and as its grant's last allowed interrupted claim it counted as a download. */
    COUNTED;

    public boolean released() {
      return this != NOT;
    }

    /** Whether it counted as one of its grant's interrupted claims ({@link #INTERRUPTED_CLAIMS_PER_DOWNLOAD}). */
    public boolean interrupted() {
      return this == INTERRUPTED || this == COUNTED;
    }
  }

  /** OPEN → CONFIRMED, and the grant's download counts; returns false if the claim was not OPEN. */
  boolean confirm(String claimHash, Instant now);

  /**
   * CLAIMED, or ACTIVE and not yet expired at {@code now} → REVOKED, closing its open claims ({@link
   * RevokeOutcome#revoked} false otherwise: an expired grant stays expired). An open claim served every byte has
   * delivered the file: it is counted in the same transaction, whether or not the grant could then be revoked, and
   * named in {@link RevokeOutcome#counted}, so that the caller audits exactly the downloads this revoke counted.
   */
  RevokeOutcome revoke(String grantId, Instant now);

  /** What a {@link #revoke} did: whether the grant is now revoked, and the claims it counted (their recipients). */
  record RevokeOutcome(boolean revoked, java.util.List<String> countedRecipients) {
    public RevokeOutcome {
      countedRecipients = java.util.List.copyOf(countedRecipients);
    }
  }

  /**
   * Settles OPEN claims whose window ended before {@code now}: fully served ones count (COUNTED),
   * the others return their grant to ACTIVE (LAPSED; interrupted if bytes were handed out on them, as
   * {@link #release} counts them, unless their holder could not go on when the window ended: {@code holdersMayResume}
   * false, a lockdown refusing every download, or the grant's owner disabled, which suspends its grants). Returns the
   * claims settled, each in the state it ended in.
   */
  java.util.List<Settled> settleExpiredClaims(Instant now, boolean holdersMayResume);

  /** A claim {@link #settleExpiredClaims} settled, in the state it ended in; whether it was an interrupted claim. */
  record Settled(Claim claim, boolean interrupted) {}

  /** A grant and its stored token hash. */
  record HashedGrant(Grant grant, String tokenHash) {}

  /** A purged grant and its stored token hash. */
  record HashedPurge(PurgedGrant purged, String tokenHash) {}

  /**
   * A claim of a grant that was purged: its hash, its grant, and whether every byte had been served (a download that
   * counted before the purge).
   */
  record PurgedClaim(String hash, String grantId, boolean delivered) {}
}
