package dev.sealdrop.server.core.grant;

import dev.sealdrop.server.core.GrantUnavailableException;
import dev.sealdrop.server.core.Ids;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.RequestFields;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Credential;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.LiveIdentityCheck;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.identity.SessionRegistry;
import dev.sealdrop.server.core.keys.KeyDirectory;
import dev.sealdrop.server.core.upload.BlobStore;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.UploadRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time, expiring grants bound to a recipient identity: create, list, revoke, redeem (atomic
 * compare-and-set), download and confirm. Every redemption attempt is logged with its outcome;
 * tokens and claim secrets never are.
 */
public final class GrantService {
  static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  /** How long a download waits for another stream of its claim to end before it is refused. */
  static final Duration BUSY_GRACE = Duration.ofSeconds(1);
  public static final String GRANT_PREFIX = "g_";

  final GrantRepository grants;
  private final UploadRepository files;
  final BlobStore blobs;
  private final IdentityService identities;
  /**
   * The budget of refused grant acts recorded one by one a minute (the rest summed): one acquirer's script of random
   * tokens wrote 43,000 refused redeems, 12 MB, a minute (round T); an audit log that cannot be written stops the server.
   */
  private final dev.sealdrop.server.core.audit.RefusalThrottle refusals;
  /** The redeems of a grant by another identity than its recipient that were logged this minute ({@link #doRedeem}). */
  private final dev.sealdrop.server.logging.OncePerMinute notTheRecipient = new dev.sealdrop.server.logging.OncePerMinute();
  /** The download-stream limits' refusals, logged once a minute per identity (and once for the server's). */
  private final dev.sealdrop.server.logging.OncePerMinute streamLimitLogged =
      new dev.sealdrop.server.logging.OncePerMinute();
  /** Where a revocation cuts the downloads of the grant that doors registered (an idle SFTP handle). */
  private final SessionRegistry sessions;
  private final KeyDirectory keys;
  final GrantPolicy policy;
  final Clock clock;
  private final dev.sealdrop.server.core.TransferGate gate;
  /** Refuses new redeems once a graceful shutdown has begun (downloads in flight may finish). */
  private final dev.sealdrop.server.core.Shutdown shutdown;
  final Audit audit;
  /** The downloads being served now (gRPC calls and SFTP handles), for what a revocation or purge cuts. */
  final java.util.Set<DownloadSession> serving = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /**
   * The gRPC claims this process served every byte of and that were not confirmed yet, with when ({@link
   * System#nanoTime}): a graceful shutdown keeps taking calls a while for their confirmations ({@link
   * #confirmationsAwaited}).
   */
  private final Map<String, Long> servedUnconfirmed = new java.util.concurrent.ConcurrentHashMap<>();
  /** Guards opening a download against another stream of the same claim; notified when one ends. */
  private final Object streams = new Object();

  /** What a download cut by a revocation is told (by the core's chunk check, or at once by a door). */
  public static final String GRANT_REVOKED_CUT = "the grant was revoked; the download was stopped;"
      + " ask the sender for a new grant";

  public GrantService(GrantRepository grants, UploadRepository files, BlobStore blobs, IdentityService identities,
      KeyDirectory keys, GrantPolicy policy, Clock clock, dev.sealdrop.server.core.TransferGate gate,
      dev.sealdrop.server.core.Shutdown shutdown, Audit audit, SessionRegistry sessions,
      dev.sealdrop.server.core.audit.RefusalThrottle refusals) {
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.grants = Objects.requireNonNull(grants, "grants");
    this.files = Objects.requireNonNull(files, "files");
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Grants {@code recipient} downloads of one of the caller's files; 0 takes the defaults. Audited. */
  public IssuedGrant create(Principal caller, String fileId, String recipient, Duration lifetime, int maxDownloads) {
    return audited(caller, "grant.create", seen -> {
      // only what is well formed is recorded; the checks that refuse the rest come in doCreate
      seen.file(RequestFields.idOrEmpty(dev.sealdrop.server.core.upload.UploadService.FILE_PREFIX, fileId));
      seen.put("recipient", RequestFields.identityOrEmpty(recipient, n -> identities.find(n).isPresent()));
      IssuedGrant issued = doCreate(caller, fileId, recipient, lifetime, maxDownloads);
      seen.of(issued.grant());
      return issued;
    });
  }

  private IssuedGrant doCreate(Principal caller, String fileId, String recipient, Duration lifetime,
      int maxDownloads) {
    caller.require(Role.TRANSFEROR, "grant files");
    gate.check("granting");
    String id = RequestFields.id("file_id", dev.sealdrop.server.core.upload.UploadService.FILE_PREFIX, fileId,
        "ListFiles (`sealdrop files`)");
    StoredFile file = files.findFile(id).filter(f -> f.owner().equals(caller.identity()))
        .orElseThrow(() -> new NotFoundException(Reason.NOT_FOUND, "no file " + id + " of yours; `sealdrop files` (ListFiles) lists them"));
    identities.grantRecipient(caller, "recipient", recipient);
    checkSealedFor(file, recipient);
    GrantPolicy.Terms terms = policy.terms(lifetime, maxDownloads);
    Duration life = terms.lifetime();
    int count = terms.downloads();
    Instant now = clock.instant();
    String token = Secrets.next(Secrets.TOKEN_PREFIX);
    Grant grant = new Grant(Ids.next(GRANT_PREFIX), file.id(), caller.identity(), recipient, GrantState.ACTIVE, now,
        now.plus(life), count, 0, file.size(), file.fingerprint());
    // the write, checked again where it cannot race: a lockdown switched on, or the owner or recipient revoked or
    // disabled, since the checks above (round AE: the grant was written after the admin's act had returned)
    if (!gate.within("granting", () -> grants.createWithin(grant, Secrets.hash(token),
        policy.maxLiveGrantsPerIdentity(), caller.credential()))) {
      identities.authenticate(caller.certificate(), caller.origin()); // (the caller's standing now, uncached)
      identities.grantRecipient(caller, "recipient", recipient);
      if (files.findFile(file.id()).isEmpty()) {
        throw new NotFoundException(Reason.NOT_FOUND, "no file " + file.id() + " of yours any more: it was deleted while"
            + " the grant was being made, and nothing was granted; `sealdrop files` lists yours");
      }
      // (recorded, as every refused grant act, within the grant refusals' budget: a loop of them cannot flood the log)
      throw new LimitExceededException(Reason.TOO_MANY_GRANTS, "'" + caller.identity() + "' has "
          + policy.maxLiveGrantsPerIdentity() + " live grants (active or claimed), the most one identity may have on"
          + " this server (max-live-grants-per-identity): revoke those no longer needed (`sealdrop grants` lists"
          + " yours; `sealdrop grants revoke GRANT_ID`; RevokeGrant), or wait until some are used or expire");
    }
    LOG.info("grant {} created by '{}' for '{}' on file {} (expires {}, {} download(s))", grant.id(),
        caller.identity(), recipient, file.id(), grant.expiresAt(), count);
    return new IssuedGrant(grant, token);
  }

  /**
   * A file granted to an identity that has published keys must be sealed for them, or the recipient
   * could not open it: it would learn only after redeeming. The encryption key of the recipient's
   * current, valid bundle must be among the file's recipient keys. A recipient without such a bundle
   * (none published, or one signed with a revoked certificate or expired) is not checked: the file
   * may be sealed for keys exchanged another way. Nor is a file whose recipient keys are not known.
   */
  private void checkSealedFor(StoredFile file, String recipient) {
    List<String> sealedFor = file.recipientKeyFingerprints();
    keys.recipientKeyOf(recipient).filter(key -> !sealedFor.isEmpty() && !sealedFor.contains(key)).ifPresent(key -> {
      LOG.warn("grant of file {} to '{}' refused: not sealed for its published key {}", file.id(), recipient, key);
      throw new PreconditionFailedException(Reason.NOT_SEALED_FOR_RECIPIENT, "file " + file.id() + " is not sealed"
          + " for the encryption key '" + recipient + "' has published (" + key + "; the file is sealed for: "
          + String.join(", ", sealedFor) + "), so '" + recipient + "' could not open it; seal the file again for"
          + " the recipient's current keys (`sealdrop send FILE --to " + recipient + "` fetches them), and grant"
          + " that upload");
    });
  }

  /**
   * For a door whose client cannot check what a file is sealed for before it downloads (SFTP; the CLI checks the
   * redeem's recipient keys itself and gives the claim back): refuses a redemption whose file is not sealed for the
   * encryption key the caller has published now (replaced since the file was sealed and granted), which its holder
   * could not open (round CR: an SFTP get used a one-time grant up on it). As {@link #checkSealedFor}: a caller with no
   * valid published bundle, or a file whose recipient keys are not known, is not checked. The door then gives the
   * claim back: nothing was handed out, so nothing is used up.
   */
  public void requireSealedForCaller(Principal caller, Redemption redemption) {
    List<String> sealedFor = redemption.recipientKeyFingerprints();
    keys.recipientKeyOf(caller.identity()).filter(key -> !sealedFor.isEmpty() && !sealedFor.contains(key))
        .ifPresent(key -> {
          LOG.warn("download of grant {} by '{}' refused: not sealed for its published key {}",
              redemption.grant().id(), caller.identity(), key);
          throw new PreconditionFailedException(Reason.NOT_SEALED_FOR_RECIPIENT, "the file of grant "
              + redemption.grant().id() + " is sealed for other keys (" + String.join(", ", sealedFor) + ") than the"
              + " encryption key you have published (" + key + "), so you could not open it; nothing was used up:"
              + " ask the sender to seal it again for your current keys and grant that, or use the keys it was sealed"
              + " for");
        });
  }

  /** A page of the grants the caller created, newest first ({@link Page}; {@code pageSize} 0 is the default). */
  public Page<Grant> listCreated(Principal caller, int pageSize, String pageToken) {
    caller.require(Role.TRANSFEROR, "list created grants");
    Page.Request page = Page.Request.of(pageSize, pageToken);
    Instant now = settle();
    List<Grant> read = grants.listByOwner(caller.identity(), page.after(), page.size());
    return Page.of(page, read, g -> new Page.After(g.createdAt(), g.id()), read.stream().map(g -> g.asOf(now)).toList());
  }

  /** A page of the grants addressed to the caller, newest first ({@link Page}; {@code pageSize} 0 is the default). */
  public Page<Grant> inbox(Principal caller, int pageSize, String pageToken) {
    caller.require(Role.ACQUIRER, "list an inbox");
    Page.Request page = Page.Request.of(pageSize, pageToken);
    Instant now = settle();
    List<Grant> read = grants.listByRecipient(caller.identity(), page.after(), page.size());
    return Page.of(page, read, g -> new Page.After(g.createdAt(), g.id()), read.stream().map(g -> g.asOf(now)).toList());
  }

  /** Grant {@code grantId} as its row in the caller's inbox ({@link #inbox}) shows it, if it is addressed to the caller. */
  public Optional<Grant> inboxGrant(Principal caller, String grantId) {
    caller.require(Role.ACQUIRER, "list an inbox");
    Instant now = settle();
    return grants.find(grantId).filter(g -> g.recipient().equals(caller.identity())).map(g -> g.asOf(now));
  }

  /** Refuses a caller who may not redeem grants (a door's redeem folder listed by another role). */
  public void requireRedeemer(Principal caller) {
    caller.require(Role.ACQUIRER, "redeem grants");
  }

  /** A revoked grant, how many of its downloads the revocation cut, and whether it had been revoked already. */
  public record Revoked(Grant grant, int downloadsCut, boolean already) {}

  /** Revokes a grant (its owner, or an admin); a download in progress is cut at its next chunk. Audited. */
  public Revoked revoke(Principal caller, String grantId) {
    return revokeCounting(caller, grantId);
  }

  /**
   * {@link #revoke}, also saying how many downloads it cut: those being served the moment the grant
   * became revoked (counted before any of them is closed, so a stream that the revocation ends at once
   * is counted too); 0 when the grant was already revoked.
   */
  public Revoked revokeCounting(Principal caller, String grantId) {
    Seen asked = new Seen();
    asked.grant(RequestFields.idOrEmpty(GRANT_PREFIX, grantId));
    boolean[] recorded = {false};
    Revoked r;
    try {
      r = doRevoke(caller, grantId, grant -> {
        Seen seen = new Seen();
        seen.of(grant);
        seen.put("changed", "true");
        audit.record(caller, "grant.revoke", seen.object(), "ok", seen.details());
        recorded[0] = true;
      });
    } catch (RuntimeException e) {
      if (!recorded[0]) {
        refusals.refusedAct(caller, "grant.revoke", asked.object(), Audit.resultOf(e), asked.details());
      }
      throw e;
    }
    if (!recorded[0]) {
      // a repeat changes nothing and says so, as a repeated identity revocation does (outside test)
      Seen seen = new Seen();
      seen.of(r.grant());
      seen.put("changed", "false");
      audit.record(caller, "grant.revoke", seen.object(), "ok", seen.details());
    }
    return r;
  }

  /**
   * @param recordRevoke writes the revoke's record, given the grant as it was found; called with the revoke written
   *     and its delivered downloads recorded, under the lock a file's removal takes too, so that a purge racing the
   *     revoke is recorded after it (review RN: the revoke's records followed the purge's, which ends a grant's
   *     history)
   */
  private Revoked doRevoke(Principal caller, String grantId, java.util.function.Consumer<Grant> recordRevoke) {
    if (caller.role() != Role.ADMIN) {
      caller.require(Role.TRANSFEROR, "revoke grants");
    }
    Instant now = settle();
    boolean admin = caller.role() == Role.ADMIN;
    Grant grant;
    try {
      grant = admin ? findVisible(grantId, ADMIN_GRANT_LISTER, g -> true, id -> "no grant " + id
          + "; see ListAllGrants")
          : findVisible(grantId, GRANT_LISTER, g -> g.owner().equals(caller.identity()),
              id -> "no grant " + id + " of yours; `sealdrop grants` (ListGrants) lists them");
    } catch (NotFoundException e) {
      // gone with its file: said so to its sender (or an admin), not as if the id were mistyped (outside test)
      String id = RequestFields.id("grant_id", GRANT_PREFIX, grantId, admin ? ADMIN_GRANT_LISTER : GRANT_LISTER);
      Optional<PurgedGrant> purged = grants.findPurged(id, admin ? null : caller.identity());
      if (purged.isPresent()) {
        throw revokePurged(purged.get());
      }
      throw e;
    }
    int cut = -1;
    GrantRepository.RevokeOutcome outcome;
    RuntimeException recordFailed = null;
    synchronized (streams) { // no download of it starts or ends while it is revoked and they are counted
      outcome = grants.revoke(grant.id(), now);
      if (outcome.revoked()) {
        cut = downloadsServing(grant.id());
      }
      // a claim served every byte has delivered the file: the revoke counted its download, in its own transaction,
      // so exactly those are audited (outside test: one looked up before the revoke missed a last chunk served
      // meanwhile), made durable by the revoke's own record after them
      try {
        outcome.countedRecipients().forEach(recipient -> auditCountedAtRevokeWithinAct(recipient, grant));
        if (outcome.revoked()) {
          recordRevoke.accept(grant);
        }
      } catch (RuntimeException e) {
        if (!outcome.revoked()) {
          throw e;
        }
        // revoked all the same: its downloads are cut below before the failure is told (review RP: they went on)
        recordFailed = e;
      }
    }
    if (cut >= 0) {
      LOG.warn("grant {} revoked by '{}' ({} download(s) cut)", grant.id(), caller.identity(), cut);
      // at once, not at the next chunk: a door's download whose client is not reading serves nothing more
      sessions.closeDownloads(d -> d.grantId().equals(grant.id()), Reason.GRANT_REVOKED, GRANT_REVOKED_CUT);
      if (recordFailed != null) {
        throw recordFailed;
      }
    } else {
      Grant current = grants.find(grant.id()).orElseThrow(GrantService::purgedMeanwhile).asOf(now);
      if (current.state() != GrantState.REVOKED) {
        // told to the owner or an admin: nothing to ask of "the sender"
        throw unavailable(current, "it can no longer be revoked", "nothing is left to revoke; `sealdrop grants` (ListGrants) shows its state");
      }
    }
    Optional<Grant> after = grants.find(grant.id());
    if (after.isEmpty() && cut >= 0) {
      // revoked, then its file deleted or purged before this read (review RK: told "purged meanwhile" and recorded as
      // refused, though the revoke took effect): the grant as this revoke left it
      return new Revoked(new Grant(grant.id(), grant.fileId(), grant.owner(), grant.recipient(), GrantState.REVOKED,
          grant.createdAt(), grant.expiresAt(), grant.maxDownloads(), grant.downloadsUsed()
          + outcome.countedRecipients().size(), grant.size(), grant.fingerprint()), cut, false);
    }
    return new Revoked(after.orElseThrow(GrantService::purgedMeanwhile).asOf(now), Math.max(cut, 0), cut < 0);
  }

  /**
   * Revokes the grant of {@code caller}'s CreateGrant whose answer (the token) did not reach its caller (its deadline
   * passed or it cancelled while the server worked): no one holds the token, so no one could redeem the grant, and it
   * held one of the sender's live-grant places until it expired (round AB). Recorded as the server's {@code grant.revoke}
   * with the cause {@value #ANSWER_NOT_SENT}.
   */
  public void revokeUnanswered(Principal caller, String grantId) {
    Revoked r;
    try {
      r = doRevoke(caller, grantId, grant -> recordUnanswered(caller, grant, true));
    } catch (RuntimeException e) {
      LOG.warn("grant {} of '{}', whose creation could not be answered, was not revoked, or its revoke could not be"
          + " recorded: {}", grantId, caller.identity(), e.toString());
      return;
    }
    LOG.info("grant {} of '{}' revoked: its creation's answer (the token) could not be sent, so no one holds it",
        grantId, caller.identity());
    if (r.already()) {
      recordUnanswered(caller, r.grant(), false);
    }
  }

  /** The server's {@code grant.revoke} record of {@link #revokeUnanswered}. */
  private void recordUnanswered(Principal caller, Grant grant, boolean changed) {
    Seen seen = new Seen();
    seen.of(grant);
    Map<String, String> details = new TreeMap<>(seen.details());
    details.put("changed", Boolean.toString(changed));
    details.put("owner", caller.identity());
    details.put("recipient", grant.recipient());
    details.put("cause", ANSWER_NOT_SENT);
    audit.record(Audit.SERVER, "grant.revoke", seen.object(), "ok", "", details);
  }

  /** The {@code cause} detail of the {@code grant.consume} record of a delivered claim that a revoke counted. */
  public static final String DELIVERED_BEFORE_REVOKE = "delivered-before-revoke";

  /**
   * Audits the download that a revoke counted because its claim had been served every byte (the file was delivered;
   * revoking cannot take it back): {@code grant.consume} by {@value Audit#SERVER}, so that an auditor counting
   * deliveries by their {@code grant.consume} records finds it (found by an outside test). Within the revoking act,
   * whose own record, written after it, makes it durable: it does not wait for the disk (it is written under the locks
   * downloads and file removals take: reviews RL, RN).
   */
  public void auditCountedAtRevokeWithinAct(String recipient, Grant grant) {
    auditDelivered(recipient, grant, DELIVERED_BEFORE_REVOKE, false);
  }

  /** The {@code cause} detail of the {@code grant.consume} record of a delivered claim whose file an admin purged. */
  public static final String DELIVERED_BEFORE_PURGE = "delivered-before-purge";

  /**
   * The grants of file {@code fileId} whose open claim has been served every byte: the file was delivered on them,
   * which a purge cannot take back. A purge reports each ({@link #auditDeliveredBeforePurge}), as a revoke does.
   */
  public List<Grant> deliveredGrantsOfFile(String fileId) {
    List<Grant> delivered = new java.util.ArrayList<>();
    for (Claim c : grants.listServedOpenClaimsOfFile(fileId)) {
      // the grant as it was while the claim was still open: a confirm (or lapse, or revoke) between the list and
      // this read counted the download already, and the grant read after it would pass the removal's comparison of
      // downloads used (two grant.consume records of one delivery). A claim never opens again, so one still open
      // after the grant was read means that grant did not count it yet.
      Optional<Grant> grant = grants.find(c.grantId()).filter(g -> g.fileId().equals(fileId));
      if (grant.isPresent()
          && grants.findClaim(c.hash()).filter(again -> again.state() == ClaimState.OPEN).isPresent()) {
        delivered.add(grant.get());
      }
    }
    return delivered;
  }

  /** Audits the download of {@code grant} that was delivered before an admin purged its file. */
  public void auditDeliveredBeforePurge(Grant grant) {
    auditDelivered(grant.recipient(), grant, DELIVERED_BEFORE_PURGE, true);
  }

  private void auditDelivered(String recipient, Grant grant, String cause, boolean waitForDisk) {
    Map<String, String> details = new TreeMap<>();
    details.put("grant-id", grant.id());
    details.put("file-id", grant.fileId());
    details.put("recipient", recipient);
    details.put("cause", cause);
    if (waitForDisk) {
      audit.record(Audit.SERVER, "grant.consume", Audit.object("grant", grant.id()), "ok", "", details);
    } else {
      audit.recordWithoutWaiting(Audit.SERVER, "grant.consume", Audit.object("grant", grant.id()), "ok", "", details);
    }
  }

  /**
   * Runs {@code act} (which makes the downloads of file {@code fileId} fail, as a purge does) while no
   * download starts or ends, and counts the downloads of that file being served the moment it took
   * effect: the downloads it cuts, counted before any is closed.
   */
  public <T> Counted<T> cuttingDownloadsOfFile(String fileId, java.util.function.Supplier<T> act) {
    return cutting(d -> d.fileId().equals(fileId), act);
  }

  /**
   * Runs {@code act} (which makes the downloads of every grant {@code owner} sent fail: its revocation or disable)
   * while no download starts or ends, and counts those being served the moment it took effect. A download that
   * notices the act at its next chunk and ends itself is counted too: it cannot leave before the count (round CK: a
   * fast download's own check won the race against the admin's cut, and the answer said 0 downloads cut).
   */
  public <T> Counted<T> cuttingDownloadsOfOwner(String owner, java.util.function.Supplier<T> act) {
    return cutting(d -> d.owner().equals(owner), act);
  }

  private <T> Counted<T> cutting(java.util.function.Predicate<DownloadSession> which,
      java.util.function.Supplier<T> act) {
    synchronized (streams) {
      T result = act.get();
      // not one served every byte: its download counts, and the act's cut only ends its last writes (round CU: a delete
      // answered downloads_cut 1 of a download its recipient received whole)
      return new Counted<>(result, (int) serving.stream().filter(which).filter(d -> !d.servedAll()).count());
    }
  }

  /**
   * Records that every byte of a claim's file is being handed out, under the same lock as a revoke or a purge: one
   * of those sees the claim either before (not delivered: its download is cut) or after (delivered: counted and
   * audited), never between its look and its act (outside test: a purge's list of delivered grants, taken before the
   * purge, missed a last chunk served meanwhile, and so did its {@code grant.consume} record). And within the
   * lockdown's switch: a lockdown sees it either before (refused: its last bytes are not handed out) or after (served
   * whole before the switch returns), never marked during the lockdown with its bytes held back (review RC: a claim so
   * marked was counted when it lapsed during the lockdown, the file never delivered).
   */
  boolean markServedAll(String claimHash, Credential recipient, Instant at, Instant newExpiry, Runnable marked) {
    return gate.within("downloading", () -> {
      synchronized (streams) {
        // the session's own mark too (DownloadSession#servedAll), before the lock is let go: an act that takes it next
        // and finds the claim delivered must not count that download among those it cut (review CW)
        boolean served = grants.markServedAll(claimHash, recipient, at, newExpiry);
        if (served) {
          marked.run();
        }
        return served;
      }
    });
  }

  /** A gRPC download of {@code claimHash} was served every byte: its client will verify the file, then confirm. */
  void awaitConfirmation(String claimHash) {
    long now = System.nanoTime();
    servedUnconfirmed.put(claimHash, now);
    // what was never confirmed (its client gone) is forgotten after a while
    servedUnconfirmed.values().removeIf(at -> now - at > java.util.concurrent.TimeUnit.MINUTES.toNanos(10));
  }

  /**
   * How many gRPC downloads served every byte within the last {@code within} have not been confirmed: a graceful
   * shutdown keeps taking calls until they are (or {@code within} has passed since, or the grace ends), so that a
   * download that finished just before or during it is confirmed (round BI: one finished a moment before the shutdown,
   * or whose client took longer than two seconds to verify and write the file, failed at its last step).
   */
  public int confirmationsAwaited(java.time.Duration within) {
    long since = System.nanoTime() - within.toNanos();
    Instant now = clock.instant();
    // a claim revoked, lapsed or confirmed meanwhile (a refused confirm leaves its entry) awaits nothing
    servedUnconfirmed.entrySet().removeIf(e -> e.getValue() - since > 0 && !grants.findClaim(e.getKey())
        .filter(c -> c.state() == ClaimState.OPEN && now.isBefore(c.expiresAt())).isPresent());
    return (int) servedUnconfirmed.values().stream().filter(at -> at - since > 0).count();
  }

  /** A result and how many downloads the act that gave it cut. */
  public record Counted<T>(T result, int downloadsCut) {}

  /**
   * Redeems a token. Only the recipient's certificate identity may; a foreign identity is refused
   * without consuming anything; of concurrent redemptions exactly one wins. Audited (the grant id,
   * once the token names one; never the token or the claim secret).
   */
  public Redemption redeem(Principal caller, String token) {
    return redeem(caller, token, "");
  }

  /**
   * {@link #redeem(Principal, String)} with the client's redeem key ({@code ""}: none): a redeem that repeats the key
   * of the grant's open claim that the caller made with it, on which no byte was handed out, gets a new claim in its
   * place ({@link #REDEEMED_AGAIN}), so that a client that never learned its claim id need not wait out the window.
   */
  public Redemption redeem(Principal caller, String token, String redeemKey) {
    return audited(caller, "grant.redeem", seen -> {
      Redemption r = doRedeem(caller, token, redeemKey, seen);
      seen.of(r.grant());
      return r;
    });
  }

  /**
   * The size of the file that redeeming {@code token} would download, for the grant's recipient, without redeeming,
   * claiming or recording anything: what an SFTP {@code stat} of {@code /redeem/TOKEN} answers. Clients that check a
   * download against the size they stat'ed first (rclone) deleted a complete download that did not match a size of 0
   * and had used the one-time grant up (round BU). Empty for a malformed token, one that names no grant or another
   * identity's, and a grant that cannot be redeemed now (expired, used up, revoked): the stat then says nothing about
   * the token, and opening it says why it is refused. Empty too for a caller who may not redeem: its open is refused,
   * and audited, as the redeem it is.
   */
  public java.util.OptionalLong sizeToRedeem(Principal caller, String token) {
    if (caller.role() != Role.ACQUIRER || !Secrets.isWellFormed(Secrets.TOKEN_PREFIX, token)) {
      return java.util.OptionalLong.empty();
    }
    String hash = Secrets.hash(token);
    Instant now = clock.instant();
    return grants.findByTokenHash(hash).filter(h -> Secrets.hashesEqual(h.tokenHash(), hash))
        .map(h -> h.grant().asOf(now))
        .filter(g -> g.recipient().equals(caller.identity()))
        .filter(g -> g.state() == GrantState.ACTIVE || g.state() == GrantState.CLAIMED)
        .map(g -> java.util.OptionalLong.of(g.size())).orElse(java.util.OptionalLong.empty());
  }

  /** The {@code cause} detail of the {@code grant.release} record of a claim replaced by a redeem with its key. */
  public static final String REDEEMED_AGAIN = "redeemed-again";

  private Redemption doRedeem(Principal caller, String token, String redeemKey, Seen seen) {
    requireRedeemer(caller);
    try {
      gate.check("redeeming");
      shutdown.check("redeeming");
    } catch (SealdropException refused) {
      // refused before the token is looked at; the record still names the grant the token matches, if it is
      // addressed to the caller: which grants were tried during a lockdown is what its investigation asks (outside
      // test). The caller is told nothing more than the refusal.
      if (Secrets.isWellFormed(Secrets.TOKEN_PREFIX, token)) {
        String hash = Secrets.hash(token);
        grants.findByTokenHash(hash).filter(h -> Secrets.hashesEqual(h.tokenHash(), hash)).map(h -> h.grant())
            .filter(g -> g.recipient().equals(caller.identity())).ifPresent(seen::of);
      }
      throw refused;
    }
    try {
      RequestFields.check("token", token, t -> Secrets.isWellFormed(Secrets.TOKEN_PREFIX, t),
          "a sealdrop grant token (sdg_ followed by 43 characters); copy it again from the sender");
    } catch (InvalidRequestException e) {
      LOG.debug("redeem by '{}' refused: malformed token", caller.identity());
      throw e;
    }
    String keyHash = redeemKey == null || redeemKey.isEmpty() ? null : Secrets.hash(RequestFields.check("redeem_key",
        redeemKey, k -> Secrets.isWellFormed(Secrets.REDEEM_KEY_PREFIX, k), "empty, or sdr_ followed by 43 base64url"
        + " characters (32 random bytes) that the client kept before sending the redeem"));
    Instant now = settle();
    String hash = Secrets.hash(token);
    Optional<GrantRepository.HashedGrant> found = grants.findByTokenHash(hash)
        .filter(h -> Secrets.hashesEqual(h.tokenHash(), hash));
    if (found.isEmpty()) {
      refusePurged(caller, hash, seen);
      LOG.debug("redeem by '{}' refused: no grant matches the token", caller.identity());
      throw new NotFoundException(Reason.NOT_FOUND, "no grant matches this token; check it with the sender");
    }
    Grant grant = found.get().grant().asOf(now);
    seen.of(grant);
    if (!grant.recipient().equals(caller.identity())) {
      if (notTheRecipient.first(caller.identity() + " " + grant.id())) {
        // a token in the wrong hands: named, once a minute per caller and grant (a loop of it is counted by the audit)
        LOG.warn("redeem of grant {} by '{}' refused: it is addressed to '{}'", grant.id(), caller.identity(),
            grant.recipient());
      }
      throw notRecipient();
    }
    if (grant.state() == GrantState.CLAIMED && keyHash != null) {
      Optional<Redemption> again = redeemAgain(caller, grant, keyHash, now);
      if (again.isPresent()) {
        return again.get();
      }
      if (grants.find(grant.id()).isEmpty()) {
        // its file deleted or purged since the look (round CU: told GRANT_CLAIMED, to wait out the claim window)
        refusePurged(caller, hash, seen);
        throw purgedMeanwhile();
      }
    }
    if (grant.state() != GrantState.ACTIVE) {
      LOG.debug("redeem of grant {} by '{}' refused: {}", grant.id(), caller.identity(), grant.state());
      throw redeemRefused(caller, grant, claimEnds(grant));
    }
    checkOwnerEnabled(grant, "redeemed");
    String claimSecret = Secrets.next(Secrets.CLAIM_PREFIX);
    Instant claimExpires = now.plus(policy.claimWindow());
    if (!gate.within("redeeming", () -> grants.claim(grant.id(), caller.credential(), now, Secrets.hash(claimSecret),
        claimExpires, caller.origin().resumesTransfers(), keyHash))) {
      // the claim is written only while both identities are enabled and the caller's certificate is not revoked: one
      // disabled or revoked meanwhile is told so
      identities.authenticate(caller.certificate(), caller.origin()); // (the caller's standing now, uncached)
      Grant current = grants.find(grant.id()).orElseThrow(GrantService::purgedMeanwhile).asOf(now);
      if (current.state() == GrantState.ACTIVE) {
        checkOwnerEnabled(current, "redeemed");
      }
      LOG.debug("redeem of grant {} by '{}' lost the race: {}", grant.id(), caller.identity(), current.state());
      Grant refused = current.state() == GrantState.ACTIVE ? claimedView(current) : current;
      throw redeemRefused(caller, refused, claimEnds(refused));
    }
    LOG.info("grant {} redeemed by '{}'; claim open until {}", grant.id(), caller.identity(), claimExpires);
    List<String> sealedFor = files.findFile(grant.fileId()).map(StoredFile::recipientKeyFingerprints).orElse(List.of());
    return new Redemption(claimSecret, grants.find(grant.id()).orElseThrow(GrantService::purgedMeanwhile), claimExpires, sealedFor);
  }

  /**
   * The redeem of a CLAIMED grant by the client whose redeem key made its open claim (a re-run of a receive stopped
   * before it kept the claim id, or whose answer was lost): if no byte was handed out on that claim, a new claim takes
   * its place, and the old one ends RELEASED, uncounted, audited as its holder's {@code grant.release} with the cause
   * {@value #REDEEMED_AGAIN}; a download opened on it is stopped. One-time stays one-time: the replaced claim had
   * handed out nothing, and a byte is never handed out on it after ({@link GrantRepository#markServing}). Empty (the
   * redeem is refused GRANT_CLAIMED, as without a key) if the claim was made with another key or none, bytes were
   * handed out on it, or the grant or an identity no longer allows a claim.
   */
  private Optional<Redemption> redeemAgain(Principal caller, Grant grant, String keyHash, Instant now) {
    checkOwnerEnabled(grant, "redeemed");
    String claimSecret = Secrets.next(Secrets.CLAIM_PREFIX);
    Instant claimExpires = now.plus(policy.claimWindow());
    Optional<GrantRepository.Replaced> replaced = gate.within("redeeming", () -> grants.claimAgain(grant.id(),
        caller.credential(), now, keyHash, Secrets.hash(claimSecret), claimExpires, caller.origin().resumesTransfers()));
    if (replaced.isEmpty()) {
      return Optional.empty();
    }
    Instant newClaimExpires = replaced.get().newClaimExpiresAt();
    sessions.closeDownloads(d -> d.claimHash().equals(replaced.get().claimHash()), Reason.CLAIM_CLOSED, "this claim was"
        + " replaced by a later redeem of its grant with the same redeem key (a re-run of the same receive), so its download"
        + " was stopped; that redeem's claim downloads the file");
    Seen released = new Seen();
    released.of(grant);
    released.put("cause", REDEEMED_AGAIN);
    audit.record(caller, "grant.release", released.object(), "ok", released.details());
    LOG.info("grant {} redeemed again by '{}' with the redeem key of its open claim, on which nothing was handed out:"
        + " that claim is replaced; the new one is open until {}", grant.id(), caller.identity(), newClaimExpires);
    List<String> sealedFor = files.findFile(grant.fileId()).map(StoredFile::recipientKeyFingerprints).orElse(List.of());
    return Optional.of(new Redemption(claimSecret, grants.find(grant.id()).orElseThrow(GrantService::purgedMeanwhile),
        newClaimExpires, sealedFor));
  }

  /**
   * A token whose grant was purged (with its file, by an admin or by retention) is told so, with when
   * and in what state it ended, instead of looking mistyped. Only the token's holder can ask, and a
   * caller who is not its recipient is refused as for a live grant, learning nothing more.
   */
  private void refusePurged(Principal caller, String hash, Seen seen) {
    Optional<PurgedGrant> kept = grants.findPurgedByTokenHash(hash)
        .filter(h -> Secrets.hashesEqual(h.tokenHash(), hash)).map(GrantRepository.HashedPurge::purged);
    if (kept.isEmpty()) {
      return;
    }
    PurgedGrant p = kept.get();
    seen.grant(p.grantId());
    seen.file(p.fileId());
    if (!p.recipient().equals(caller.identity())) {
      if (notTheRecipient.first(caller.identity() + " " + p.grantId())) {
        LOG.warn("redeem of purged grant {} by '{}' refused: it was addressed to '{}'", p.grantId(), caller.identity(),
            p.recipient());
      }
      throw notRecipient();
    }
    LOG.debug("redeem of grant {} by '{}' refused: purged ({}) at {}", p.grantId(), caller.identity(), p.cause(),
        p.purgedAt());
    if (p.cause() != PurgedGrant.Cause.RETENTION) {
      throw new GrantUnavailableException(Reason.FILE_PURGED, "the grant's file was " + removedBy(p.cause()) + " at "
          + p.purgedAt() + " (" + ended(p) + "): its ciphertext and every grant on it are deleted, so the grant cannot"
          + " be redeemed; ask the sender to send the file again");
    }
    throw new GrantUnavailableException(Reason.GRANT_PURGED, "the grant is gone: " + ended(p) + ", and the"
        + " server's retention deleted it at " + p.purgedAt() + " (ended grants are kept only for a set period),"
        + " so it cannot be redeemed; ask the sender to send the file again");
  }

  /** A revoke of a grant that was purged: nothing is left to revoke; says when, by whom and how it had ended. */
  /**
   * When and by whom file {@code fileId} was purged, as a clause ("it was purged by an admin at T"), if a grant on it
   * was kept as purged (a file purged without any grant leaves no trace). For an admin's purge that found no file.
   */
  public Optional<String> purgedFile(String fileId) {
    return grants.findPurgedOfFile(fileId).map(p -> "it was " + switch (p.cause()) {
      case ADMIN -> "purged by an admin";
      case OWNER -> "deleted by its owner";
      case RETENTION -> "purged by the server's retention";
    } + " at " + p.purgedAt());
  }

  /** Who removed a file, as a clause after "the grant's file was": an admin's purge or its sender's delete. */
  private static String removedBy(PurgedGrant.Cause cause) {
    return cause == PurgedGrant.Cause.OWNER ? "deleted from the server by its sender"
        : "purged from the server by an admin";
  }

  private static GrantUnavailableException revokePurged(PurgedGrant p) {
    if (p.cause() != PurgedGrant.Cause.RETENTION) {
      return new GrantUnavailableException(Reason.FILE_PURGED, "grant " + p.grantId() + " is gone: its file "
          + p.fileId() + " was " + removedBy(p.cause()) + " at " + p.purgedAt() + " (" + ended(p) + "), with every"
          + " grant on it; nothing is left to revoke");
    }
    return new GrantUnavailableException(Reason.GRANT_PURGED, "grant " + p.grantId() + " is gone: " + ended(p)
        + ", and the server's retention deleted it at " + p.purgedAt() + "; nothing is left to revoke");
  }

  /** How a purged grant had ended (or that it had not), as a clause. */
  private static String ended(PurgedGrant p) {
    return switch (p.endedIn()) {
      case EXPIRED -> "it had expired at " + p.expiresAt();
      case CONSUMED -> "its downloads had been used up";
      case REVOKED -> "it had been revoked";
      case ACTIVE -> "it was still active";
      case CLAIMED -> "it was claimed by a download";
    };
  }

  private static PermissionDeniedException notRecipient() {
    return new PermissionDeniedException(Reason.NOT_RECIPIENT,
        "this grant is addressed to another identity; only its recipient's certificate can redeem it");
  }

  /**
   * Opens the claimed file for download from {@code offset}. A refusal is audited as
   * {@code download.abort}; the session audits how the download ends.
   */
  public DownloadSession openDownload(Principal caller, String claimSecret, long offset) {
    return openDownload(caller, claimSecret, offset, LiveIdentityCheck.sameCertificate(identities, caller));
  }

  /**
   * Opens the claimed file for download as {@link #openDownload(Principal, String, long)}, its caller authenticated
   * again by {@code again} while it runs: its door's authentication of the caller's credential (over SFTP, its key,
   * which a renewal binds to another certificate).
   */
  public DownloadSession openDownload(Principal caller, String claimSecret, long offset,
      java.util.function.Supplier<Principal> again) {
    Seen seen = new Seen();
    try {
      return doOpenDownload(caller, claimSecret, offset, again, seen);
    } catch (RuntimeException e) {
      // within the refused acts' budget, as a refused redeem is (round AE: junk claim ids flooded the log)
      refusals.refusedAct(caller, "download.abort", seen.object(), Audit.resultOf(e), seen.details());
      throw e;
    }
  }

  private DownloadSession doOpenDownload(Principal caller, String claimSecret, long offset,
      java.util.function.Supplier<Principal> again, Seen seen) {
    caller.require(Role.ACQUIRER, "download");
    noteGrantOfClaim(caller, claimSecret, seen);
    gate.check("downloading");
    // no new stream while the server drains those running (they may still confirm: SealdropServer.close)
    shutdown.check("downloading");
    Claimed claimed = claimed(caller, claimSecret, seen);
    Grant grant = claimed.grant();
    if (offset < 0 || offset > grant.size()) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST,
          "offset " + offset + " is outside the file (0 to " + grant.size() + ")");
    }
    checkOwnerEnabled(grant, "downloaded");
    LiveIdentityCheck live = new LiveIdentityCheck(caller, again);
    synchronized (streams) {
      awaitNoOtherStream(claimed.claim().hash(), grant);
      checkStreamCapacity(caller, grant);
      // a revocation, disable or purge that took effect while this waited for the lock counted and closed only the
      // downloads open then: this one must not start after it (review CO: a paused SFTP handle held its slot until the
      // stall timeout, uncounted)
      checkServing(claimed.claim().hash());
      checkOwnerEnabled(grant, "downloaded");
      LOG.info("download of grant {} by '{}' from offset {}", grant.id(), caller.identity(), offset);
      return DownloadSession.open(this, caller, claimed.claim(), grant, offset, live);
    }
  }

  /**
   * One stream per claim, as one per upload: a claim's holder gains nothing from two at once, and
   * each stream holds a few MiB of buffers, so duplicates of one claim could exhaust the server's
   * memory. A stream whose connection just broke may take a moment to be noticed, so a resume waits
   * up to {@link #BUSY_GRACE} for it before it is refused. Holds {@code streams}' monitor.
   */
  private void awaitNoOtherStream(String claimHash, Grant grant) {
    long deadline = System.nanoTime() + BUSY_GRACE.toNanos();
    byte[] mine = claimHash.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    while (serving.stream().anyMatch(d -> java.security.MessageDigest.isEqual(mine,
        d.claimHash().getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw busy(grant);
      }
      try {
        streams.wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw busy(grant);
      }
    }
  }

  /**
   * Every download holds about 3 MiB of buffers (a gRPC stream: its read buffer and what waits for
   * the network; an SFTP /redeem/ handle: its read-ahead and the replies MINA queues), so the server
   * serves at most {@link GrantPolicy#maxDownloadStreams} of them at once, whoever asks and through
   * either door; one more is refused as busy and nothing is used up (a gRPC client keeps its claim
   * and resumes with it; the SFTP door gives the claim back, so the grant can be redeemed again).
   * A download whose client stops reading keeps its slot until it ends, so one identity may hold
   * at most {@link GrantPolicy#maxDownloadStreamsPerIdentity} of them: one that opens downloads and
   * stalls them cannot take every slot. Its own share is checked first, as waiting for other
   * callers' downloads would not help it. Holds {@code streams}' monitor.
   */
  private void checkStreamCapacity(Principal caller, Grant grant) {
    int mine = (int) serving.stream().filter(d -> d.identity().equals(caller.identity())).count();
    int share = policy.maxDownloadStreamsPerIdentity();
    if (mine >= share && share < policy.maxDownloadStreams()) {
      // once a minute per identity, as uploads' (review DN: a loop of refused downloads wrote a WARN line each)
      if (streamLimitLogged.first("identity:" + caller.identity())) {
        LOG.warn("download of grant {} by '{}' ({}) refused: '{}' has {} downloads running, the most one identity may"
            + " (logged once a minute)", grant.id(), caller.identity(), caller.origin().door(), caller.identity(), mine);
      }
      throw new LimitExceededException(Reason.TOO_MANY_DOWNLOADS, "'" + caller.identity() + "' has " + mine
          + " downloads running, the most one identity may have at once (max-download-streams-per-identity);"
          + " let one finish or stop it (a receive that stopped reading, an SFTP file left open), then retry"
          + " (nothing was used up)");
    }
    int running = serving.size();
    if (running >= policy.maxDownloadStreams()) {
      if (streamLimitLogged.first("server")) {
        LOG.warn("download of grant {} by '{}' ({}) refused: {} downloads running, the most this server serves"
            + " (logged once a minute)", grant.id(), caller.identity(), caller.origin().door(), running);
      }
      throw new LimitExceededException(Reason.SERVER_BUSY, "server busy: it is serving " + running
          + " downloads, the most it serves at once; retry in a moment (nothing was used up)");
    }
  }

  private static PreconditionFailedException busy(Grant grant) {
    return new PreconditionFailedException(Reason.DOWNLOAD_BUSY, "the claim on grant " + grant.id()
        + " is being downloaded by another stream; wait for that download to end (or stop it), then resume");
  }

  /**
   * Stops every download whose client has asked for nothing for {@link GrantPolicy#downloadStallTimeout}
   * (see {@link DownloadSession}): run by the server's timer. Returns how many it stopped.
   */
  public int stopStalledDownloads() {
    long now = System.nanoTime();
    int stopped = 0;
    for (DownloadSession d : serving) {
      if (d.stopIfStalled(now, policy.downloadStallTimeout())) {
        stopped++;
      }
    }
    return stopped;
  }

  /** Called by a download session when it ends: frees its claim for the next stream. */
  void ended(DownloadSession session) {
    synchronized (streams) {
      serving.remove(session);
      streams.notifyAll();
    }
  }

  /** How many downloads of grant {@code grantId} are being served now, not counting one served every byte. */
  private int downloadsServing(String grantId) {
    // as cutting() counts (review CW: a revoke counted the delivery it recorded as delivered-before-revoke as cut)
    return (int) serving.stream().filter(d -> d.grantId().equals(grantId)).filter(d -> !d.servedAll()).count();
  }

  /** The client verified the file: the download counts now. Audited as {@code grant.consume}. */
  public Grant confirm(Principal caller, String claimSecret, String fingerprint) {
    return audited(caller, "grant.consume", seen -> {
      Grant g = doConfirm(caller, claimSecret, fingerprint, seen);
      seen.of(g);
      return g;
    });
  }

  private Grant doConfirm(Principal caller, String claimSecret, String given, Seen seen) {
    caller.require(Role.ACQUIRER, "confirm downloads");
    String fingerprint = RequestFields.sha256Hex("fingerprint", given);
    Claimed claimed = claimed(caller, claimSecret, seen, true);
    if (claimed.claim().servedAllAt() == null) {
      throw new PreconditionFailedException(Reason.DOWNLOAD_INCOMPLETE,
          "the file has not been downloaded completely; resume the download, verify it, then confirm");
    }
    if (fingerprint == null || !Secrets.hashesEqual(fingerprint, claimed.grant().fingerprint())) {
      LOG.warn("confirm of grant {} by '{}' refused: fingerprint mismatch", claimed.grant().id(), caller.identity());
      throw new PreconditionFailedException(Reason.FINGERPRINT_MISMATCH, "the fingerprint you computed does not match"
          + " the stored file's " + claimed.grant().fingerprint() + "; download again from offset 0");
    }
    if (!grants.confirm(claimed.claim().hash(), clock.instant())) {
      servedUnconfirmed.remove(claimed.claim().hash());
      // a claim its file's delete or purge took meanwhile: told as after that act, a download served every byte that
      // it counted (round CU: "deleted meanwhile; ask the sender to send it again" of a counted delivery)
      throw closedClaim(grants.findClaim(claimed.claim().hash()).orElseThrow(() -> purgedClaim(caller, claimSecret,
          seen, true).orElseGet(GrantService::purgedMeanwhile)));
    }
    servedUnconfirmed.remove(claimed.claim().hash());
    LOG.info("download of grant {} confirmed by '{}'", claimed.grant().id(), caller.identity());
    // confirmed, then its file deleted or purged at once: the confirmation stands, answered with the grant as this
    // confirmation left it (review CW: as it was before, still claimed)
    return grants.find(claimed.grant().id()).orElseGet(() -> countedOnce(claimed.grant())).asOf(clock.instant());
  }

  /** {@code g} with one more of its downloads counted, consumed if that was its last. */
  private static Grant countedOnce(Grant g) {
    int used = g.downloadsUsed() + 1;
    return new Grant(g.id(), g.fileId(), g.owner(), g.recipient(), used >= g.maxDownloads() ? GrantState.CONSUMED
        : GrantState.ACTIVE, g.createdAt(), g.expiresAt(), g.maxDownloads(), used, g.size(), g.fingerprint());
  }

  /**
   * Gives up a claim before its file was delivered (for a client that finds, after redeeming, that
   * it cannot or will not download it): the claim ends as RELEASED and the grant is redeemable again
   * at once, as when an undelivered claim's window passes. A claim that was served every byte has
   * delivered the file and cannot be released. Audited as {@code grant.release}.
   */
  public Grant release(Principal caller, String claimSecret) {
    return release(caller, claimSecret, false);
  }

  /**
   * {@link #release(Principal, String)}; {@code serverEnded}: the server ended the claim's download, not its holder
   * (a door's download cut by a lockdown or a revocation). Such a release, and an SFTP one during a graceful shutdown
   * (whose deadline closes the SFTP downloads still open), does not count as one of the grant's interrupted claims: the
   * holder did not choose to stop (outside test: a shutdown's cut counted, and two later refusals used a grant up). A
   * gRPC client's ReleaseClaim is its own choice, and counts during a shutdown too (the transfer port takes calls while
   * transfers drain; round BI).
   */
  public Grant release(Principal caller, String claimSecret, boolean serverEnded) {
    boolean cutByTheShutdown = shutdown.begun() && Origin.SFTP.equals(caller.origin().door());
    return audited(caller, "grant.release", seen -> {
      Grant g = doRelease(caller, claimSecret, !serverEnded && !cutByTheShutdown, seen);
      seen.of(g);
      return g;
    });
  }

  /**
   * For a door that holds a claim in a handle and gives it back when the handle ends before the last byte (SFTP): as
   * {@link #release(Principal, String, boolean)}, except that a claim the core has closed already (revoked with its
   * grant or its recipient, deleted with its file, its window passed) has nothing to give back, so nothing is done and
   * nothing is recorded: the holder did not ask for it, where a holder's own ReleaseClaim of such a claim is refused
   * and audited (round DC: every SFTP download cut by its grant's revocation left a refused {@code grant.release},
   * {@code grant-revoked}, of its recipient's, which the same download over gRPC does not). Empty then.
   */
  public Optional<Grant> giveBack(Principal caller, String claimSecret, boolean serverEnded) {
    Optional<Claim> claim = Secrets.isWellFormed(Secrets.CLAIM_PREFIX, claimSecret) ? claimBySecret(claimSecret)
        : Optional.empty();
    if (claim.isEmpty() || claim.get().state() != ClaimState.OPEN || !clock.instant().isBefore(claim.get().expiresAt())
        || grants.find(claim.get().grantId()).filter(g -> g.state() != GrantState.REVOKED).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(release(caller, claimSecret, serverEnded));
  }

  /** The {@code cause} detail of the {@code grant.release} record of a redeem whose answer could not be sent. */
  public static final String ANSWER_NOT_SENT = "answer-not-sent";

  /**
   * Gives back the claim of {@code caller}'s redeem whose answer (the claim id) could not be sent: its holder never
   * learned it, so the server, not the holder, ends it, recorded as the server's {@code grant.release} with the cause
   * {@value #ANSWER_NOT_SENT} (round W: it read as the recipient's own release). Not counted, unless bytes were handed
   * out on it: then its holder did learn the claim id (a client can take the answer's first bytes, the id among them,
   * and hold back the rest with HTTP/2 flow control, so that the call ends cancelled), and it counts as an interrupted
   * claim, as its holder's own release would (review DI: downloading all but the last bytes, then cancelling the
   * redeem, gave the grant back whole, again and again).
   */
  public void releaseUnanswered(Principal caller, String claimSecret) {
    Seen seen = new Seen();
    try {
      seen.of(doRelease(caller, claimSecret, true, seen));
    } catch (RuntimeException e) {
      LOG.warn("the claim of a redeem by '{}' whose answer could not be sent was not given back: {}", caller.identity(),
          e.toString());
      return;
    }
    if (seen.details().containsKey(INTERRUPTED)) {
      LOG.warn("claim on {} by '{}' given back as its redeem's answer could not be sent in full, but bytes had been"
          + " handed out on it, so its holder had the claim id: counted as an interrupted claim", seen.object(),
          caller.identity());
    } else {
      LOG.info("claim on {} by '{}' given back: the redeem's answer (the claim id) could not be sent, so no one holds"
          + " the claim", seen.object(), caller.identity());
    }
    Map<String, String> details = new TreeMap<>(seen.details());
    details.put("recipient", caller.identity());
    details.put("cause", ANSWER_NOT_SENT);
    audit.record(Audit.SERVER, "grant.release", seen.object(), "ok", "", details);
  }

  private Grant doRelease(Principal caller, String claimSecret, boolean countInterrupted, Seen seen) {
    caller.require(Role.ACQUIRER, "release claims");
    Claimed claimed = claimed(caller, claimSecret, seen);
    GrantRepository.Released released = claimed.claim().servedAllAt() != null ? GrantRepository.Released.NOT
        : grants.release(claimed.claim().hash(), clock.instant(), countInterrupted);
    if (!released.released()) {
      Claim now = grants.findClaim(claimed.claim().hash()).orElseThrow(GrantService::purgedMeanwhile);
      if (now.state() != ClaimState.OPEN) {
        throw closedClaim(now);
      }
      throw new PreconditionFailedException(Reason.CLAIM_DELIVERED, "every byte of this claim's file has been"
          + " served, so it counts as a download and cannot be released; verify the file and confirm it");
    }
    Grant after = grants.find(claimed.grant().id()).orElseThrow(GrantService::purgedMeanwhile).asOf(clock.instant());
    if (released.interrupted()) {
      // a third party counts a grant's interrupted claims from these records (round Q: nothing told them apart)
      seen.put(INTERRUPTED, "yes");
    }
    if (released == GrantRepository.Released.COUNTED) {
      LOG.warn("claim on grant {} released by '{}' after bytes were handed out on it, the grant's {} such claim: it"
          + " counts as a download", claimed.grant().id(), caller.identity(), ordinal(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD));
      seen.put("interrupted-claims", Integer.toString(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD));
    } else if (released == GrantRepository.Released.INTERRUPTED) {
      LOG.info("claim on grant {} released by '{}' after bytes were handed out on it: one of the {} such claims that"
          + " count as a download", claimed.grant().id(), caller.identity(),
          GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD);
    } else {
      LOG.info("claim on grant {} released by '{}'", claimed.grant().id(), caller.identity());
    }
    // a download of it still streaming (another process of the holder's, or one the client stopped reading) ends now,
    // not at its next chunk, which a client that stopped reading never asks for
    sessions.closeDownloads(d -> d.claimHash().equals(claimed.claim().hash()), Reason.CLAIM_CLOSED,
        "this claim was released by its holder, so its download was stopped; redeem the grant again if it is still"
            + " active");
    return after;
  }

  /**
   * The detail ({@code yes}) of a {@code grant.release}, or of a lapse's {@code grant.release} or {@code grant.consume},
   * whose claim counted as one of its grant's interrupted claims: bytes had been handed out on it, and its holder, not
   * the server, ended it ({@link GrantRepository#INTERRUPTED_CLAIMS_PER_DOWNLOAD} of them count as a download).
   */
  public static final String INTERRUPTED = "interrupted";

  /** The {@code cause} detail of the {@code grant.release} record of a claim that a server restart ended. */
  public static final String SERVER_RESTARTED = "server-restarted";

  /**
   * After a crash: releases every OPEN claim that no client can go on with ({@link Claim#resumable}: redeemed through
   * the SFTP door, whose handle held the claim secret and died with the server) and that was not served every byte, so
   * that its grant is redeemable again at once instead of after the claim window, as when such a handle closes
   * (docs/sftp.md). A claim served every byte delivered its file and keeps the rule of
   * {@link #settleClaims} (it counts when its window passes); a resumable one is kept for its client.
   * Each release is audited as {@code grant.release} by {@value Audit#SERVER} with the detail {@code
   * cause} = {@value #SERVER_RESTARTED}, also one whose window passed during the downtime; then settles the claims whose
   * window passed meanwhile. Runs at startup, before any door accepts a connection; returns how many claims it released.
   */
  public int recover() {
    // a claim served every byte counts when its window ends, but its last bytes are marked before they are sent, so a
    // crash may have kept them, and the server's downtime ate its window: its holder gets a whole window from now to
    // resume and confirm (round S: it counted at the restart, undelivered, and the holder could not get the file). So
    // does a claim served in part, whose download the crash cut: lapsed during the downtime, it counted as its
    // holder's interrupted claim, and three outages used a one-time grant up undelivered (round AC)
    int extended = grants.extendStartedClaims(clock.instant().plus(policy.claimWindow()));
    if (extended > 0) {
      LOG.info("{} claim(s) whose download had begun and was not confirmed before the server stopped may be resumed"
          + " until {}", extended, clock.instant().plus(policy.claimWindow()));
    }
    // released before the lapsed claims are settled: one whose window passed during the downtime was cut by the
    // restart all the same, and settled it counted as its holder's interrupted claim (review DI: three long outages
    // used a one-time grant up undelivered, and sftp.md promised `server-restarted`)
    Instant now = clock.instant();
    int released = 0;
    for (Claim c : grants.listOpenClaims()) {
      // the server's restart cut it, not its holder: it does not count as an interrupted claim
      if (c.resumable() || c.servedAllAt() != null || !grants.release(c.hash(), now, false).released()) {
        continue;
      }
      Optional<Grant> grant = grants.find(c.grantId());
      String fileId = grant.map(Grant::fileId).orElse("");
      LOG.info("claim on grant {} by '{}' was cut by a server restart before its last byte was served; it cannot"
          + " be resumed (redeemed through the SFTP door), so it is released and the grant can be redeemed again",
          c.grantId(), c.recipient());
      Map<String, String> details = new TreeMap<>();
      details.put("grant-id", c.grantId());
      if (!fileId.isEmpty()) {
        details.put("file-id", fileId);
      }
      details.put("recipient", c.recipient());
      details.put("cause", SERVER_RESTARTED);
      audit.record(Audit.SERVER, "grant.release", Audit.object("grant", c.grantId()), "ok", "", details);
      released++;
    }
    settled(now);
    return released;
  }

  /** Settles lapsed claims (maintenance; also done before every grant operation). */
  public int settleClaims() {
    return settled(clock.instant());
  }

  /** The {@code cause} detail of the {@code grant.consume} record of a claim served in full that lapsed unconfirmed. */
  public static final String CLAIM_LAPSED = "claim-lapsed";

  /**
   * Settles the claims whose window ended by {@code now} ({@link GrantRepository#settleExpiredClaims}), each audited
   * by {@value Audit#SERVER} with the detail {@code cause} = {@value #CLAIM_LAPSED}, so a grant's history says why it
   * changed: one that was served every byte counts as a download without its holder's confirmation ({@code
   * grant.consume}); one that was not gives its grant back ({@code grant.release}). Returns how many were settled.
   */
  private int settled(Instant now) {
    // during a lockdown no holder can go on with a download: a claim that lapses then is not theirs to count
    java.util.List<GrantRepository.Settled> settled = grants.settleExpiredClaims(now, gate.notice().isEmpty());
    for (GrantRepository.Settled s : settled) {
      Claim c = s.claim();
      boolean counted = c.state() == ClaimState.COUNTED;
      // its grant's last allowed interrupted claim: counted as a download
      boolean interrupted = counted && s.interrupted();
      if (interrupted) {
        LOG.warn("claim on grant {} by '{}' lapsed unfinished after bytes were handed out on it, the grant's {} such"
            + " claim: it counts as a download", c.grantId(), c.recipient(), ordinal(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD));
      } else if (counted) {
        LOG.info("claim on grant {} by '{}' lapsed unconfirmed after the file's last bytes were served: it counts as a"
            + " download",
            c.grantId(), c.recipient());
      } else {
        LOG.info("claim on grant {} by '{}' lapsed before its file was delivered: the grant can be redeemed again",
            c.grantId(), c.recipient());
      }
      Map<String, String> details = new TreeMap<>();
      details.put("grant-id", c.grantId());
      grants.find(c.grantId()).map(Grant::fileId).ifPresent(f -> details.put("file-id", f));
      details.put("recipient", c.recipient());
      details.put("cause", CLAIM_LAPSED);
      if (s.interrupted()) {
        details.put(INTERRUPTED, "yes");
      }
      if (interrupted) {
        details.put("interrupted-claims", Integer.toString(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD));
      }
      audit.record(Audit.SERVER, counted ? "grant.consume" : "grant.release", Audit.object("grant", c.grantId()), "ok",
          "", details);
    }
    return settled.size();
  }

  /**
   * {@link #checkServing(String)}, and a claim whose download is being served stays open while it is: once less than
   * half its window is left, its end moves to a whole window from now (one write per half window, through either
   * door), so a download that takes longer than the window (a large file over a slow link) is not cut at its end.
   * A download that stops being served is not kept open: its window runs out as before (a stalled one is stopped by
   * the stall timeout first). Returns when it should next be kept open (half a window before its end), for a door
   * that serves requests from its own read-ahead between checks ({@link DownloadSession#active()}).
   */
  Instant checkServingAndKeepOpen(String claimHash) {
    Claim claim = checkServing(claimHash);
    Instant now = clock.instant();
    Duration half = policy.claimWindow().dividedBy(2);
    if (claim.servedAllAt() == null && claim.expiresAt().minus(half).isBefore(now)
        && grants.extendClaim(claimHash, now, now.plus(policy.claimWindow()))) {
      LOG.info("claim on grant {} by '{}' is still downloading: its window now ends at {}", claim.grantId(),
          claim.recipient(), now.plus(policy.claimWindow()));
      return now.plus(policy.claimWindow()).minus(half);
    }
    return claim.expiresAt().minus(half);
  }

  /** Re-checks, before each chunk, that the claim may still be served; throws if not. Returns the claim as it is. */
  Claim checkServing(String claimHash) {
    gate.check("downloading");
    Instant now = clock.instant();
    // An admin's purge deletes the file's grants and claims: the stream is cut, saying so.
    Claim claim = grants.findClaim(claimHash).orElseThrow(GrantService::purged);
    Grant grant = grants.find(claim.grantId()).orElseThrow(GrantService::purgedMeanwhile);
    if (grant.state() == GrantState.REVOKED) {
      LOG.warn("download of grant {} cut: revoked", grant.id());
      throw unavailable(grant, "the download was stopped");
    }
    if (claim.state() != ClaimState.OPEN || !now.isBefore(claim.expiresAt())) {
      throw closedClaim(claim);
    }
    return claim;
  }

  /**
   * A disabled identity's grants are unusable until an admin enables it again: they cannot be
   * redeemed, and their downloads are cut (the session asks before every chunk). Confirming or
   * releasing a claim stays possible: it only counts a download already delivered, or returns a grant.
   */
  void checkOwnerEnabled(Grant grant, String act) {
    if (!ownerEnabled(grant)) {
      if (identities.isRevoked(grant.owner())) {
        // revoked for good (its grants are revoked with it: this is one the revocation did not reach)
        LOG.warn("grant {} cannot be {}: its owner '{}' is revoked", grant.id(), act, grant.owner());
        throw new GrantUnavailableException(Reason.GRANT_SUSPENDED, "the grant's sender '" + grant.owner()
            + "' was revoked by an admin, so its grants cannot be " + act + "; ask the sender for a new grant from"
            + " their new identity, or an admin");
      }
      LOG.warn("grant {} cannot be {}: its owner '{}' is disabled", grant.id(), act, grant.owner());
      throw new GrantUnavailableException(Reason.GRANT_SUSPENDED, "the grant's sender '" + grant.owner()
          + "' is disabled by an admin, so its grants cannot be " + act + " until an admin enables it again;"
          + " ask the sender or an admin");
    }
  }

  /** Whether the grant's owner is enabled (its grants can be redeemed and downloaded). */
  boolean ownerEnabled(Grant grant) {
    return identities.find(grant.owner()).map(dev.sealdrop.server.core.identity.Identity::enabled).orElse(false);
  }

  /** What a download cut by a purge is told (by the core's chunk check, or at once by a door). */
  public static final String FILE_PURGED_CUT = "the file was purged by an admin: its ciphertext"
      + " and every grant on it are deleted from the server, so the download was stopped and cannot resume;"
      + " ask the sender to send it again";

  /** What a download cut by its sender's delete of the file is told. */
  public static final String FILE_DELETED_CUT = "the file was deleted by its sender: its ciphertext and every grant on"
      + " it are deleted from the server, so the download was stopped and cannot resume; ask the sender to send it"
      + " again";

  /** A claim found gone mid-download: its file was removed (by its sender or an admin) after the download began. */
  static GrantUnavailableException purged() {
    return new GrantUnavailableException(Reason.FILE_PURGED, "the file was deleted from the server (by its sender,"
        + " or purged by an admin): its ciphertext and every grant on it are gone, so the download was stopped and"
        + " cannot resume; ask the sender to send it again");
  }

  /**
   * The grant or claim an act had found is gone when it looks again: an admin's purge (or retention) deleted its file
   * and grants in between (round AE: a confirm racing a purge was an internal error).
   */
  static GrantUnavailableException purgedMeanwhile() {
    return new GrantUnavailableException(Reason.FILE_PURGED, "the file was deleted from the server meanwhile (by its"
        + " sender, or purged by an admin): its ciphertext and every grant on it are gone; ask the sender to send it"
        + " again");
  }

  private record Claimed(Claim claim, Grant grant) {}

  /**
   * For the audit record only: names the grant of the caller's claim before a lockdown check that
   * may refuse the act, so that the refusal says which grant it stopped. Validates nothing.
   */
  private void noteGrantOfClaim(Principal caller, String claimSecret, Seen seen) {
    if (Secrets.isWellFormed(Secrets.CLAIM_PREFIX, claimSecret)) {
      claimBySecret(claimSecret).filter(c -> c.recipient().equals(caller.identity()))
          .ifPresent(c -> seen.grant(c.grantId()));
    }
  }

  /** The claim whose secret this is (looked up by its hash, compared in constant time). */
  private Optional<Claim> claimBySecret(String claimSecret) {
    String hash = Secrets.hash(claimSecret);
    return grants.findClaim(hash).filter(c -> Secrets.hashesEqual(c.hash(), hash));
  }

  private Claimed claimed(Principal caller, String claimSecret, Seen seen) {
    return claimed(caller, claimSecret, seen, false);
  }

  /** @param confirming for a confirmation: a claim of a purged grant that was served every byte counted then */
  private Claimed claimed(Principal caller, String claimSecret, Seen seen, boolean confirming) {
    RequestFields.check("claim_id", claimSecret, c -> Secrets.isWellFormed(Secrets.CLAIM_PREFIX, c),
        "a claim id (sdc_ followed by 43 characters), as Redeem answered it");
    Instant now = settle();
    Claim claim = claimBySecret(claimSecret).orElseThrow(() -> purgedClaim(caller, claimSecret, seen, confirming)
        .orElseGet(() -> new NotFoundException(Reason.NOT_FOUND, "no claim matches this claim id; redeem the grant"
            + " first")));
    seen.grant(claim.grantId());
    if (!claim.recipient().equals(caller.identity())) {
      LOG.warn("use of a claim of grant {} by '{}' refused: it belongs to '{}'", claim.grantId(), caller.identity(),
          claim.recipient());
      throw new PermissionDeniedException(Reason.NOT_RECIPIENT, "this claim belongs to another identity");
    }
    Grant grant = grants.find(claim.grantId()).orElseThrow(() -> purgedClaim(caller, claimSecret, seen, confirming)
        .orElseGet(GrantService::purgedMeanwhile)).asOf(now);
    seen.of(grant);
    if (claim.state() == ClaimState.CONFIRMED || claim.state() == ClaimState.COUNTED) {
      throw closedClaim(claim); // this download counted, whatever happened to the grant since
    }
    if (grant.state() == GrantState.REVOKED) {
      throw unavailable(grant, "it can no longer be downloaded");
    }
    if (claim.state() != ClaimState.OPEN || !now.isBefore(claim.expiresAt())) {
      throw closedClaim(claim);
    }
    return new Claimed(claim, grant);
  }

  /**
   * Why a claim of a purged grant cannot be used (round BL: resuming, confirming or releasing one was "no claim matches
   * this claim id; redeem the grant first", and the redeem then said the file was purged): the confirmation of a
   * download served every byte before the purge is told it counted ({@code GRANT_CONSUMED}, which a receive that
   * verified its file takes as counted); anything else, a resume of that download too (its client may not have every
   * byte, and the file is gone), is told the file was purged. Empty if the claim was never one of a purged grant.
   */
  private Optional<SealdropException> purgedClaim(Principal caller, String claimSecret, Seen seen,
      boolean confirming) {
    String hash = Secrets.hash(claimSecret);
    Optional<GrantRepository.PurgedClaim> kept = grants.findPurgedClaim(hash)
        .filter(c -> Secrets.hashesEqual(c.hash(), hash));
    Optional<PurgedGrant> grant = kept.flatMap(c -> grants.findPurged(c.grantId(), null));
    if (grant.isEmpty()) {
      return Optional.empty();
    }
    PurgedGrant p = grant.get();
    seen.grant(p.grantId());
    if (!p.recipient().equals(caller.identity())) {
      LOG.warn("use of a claim of purged grant {} by '{}' refused: it belongs to '{}'", p.grantId(), caller.identity(),
          p.recipient());
      return Optional.of(new PermissionDeniedException(Reason.NOT_RECIPIENT, "this claim belongs to another identity"));
    }
    seen.file(p.fileId());
    String purged = (p.cause() != PurgedGrant.Cause.RETENTION ? "its file was " + removedBy(p.cause())
        : "the server's retention deleted it") + " at " + p.purgedAt();
    if (confirming && kept.get().delivered()) {
      return Optional.of(new GrantUnavailableException(Reason.GRANT_CONSUMED, "this claim's download was served every"
          + " byte and counted before the grant was purged (" + purged + "); the grant cannot be downloaded again"));
    }
    return Optional.of(p.cause() != PurgedGrant.Cause.RETENTION
        ? new GrantUnavailableException(Reason.FILE_PURGED, "the grant's file was " + removedBy(p.cause()) + " at "
            + p.purgedAt() + ": its ciphertext and every grant on it are deleted, so this download cannot go on; ask the"
            + " sender to send the file again")
        : new GrantUnavailableException(Reason.GRANT_PURGED, "the grant is gone: the server's retention deleted it at "
            + p.purgedAt() + ", so this download cannot go on; ask the sender to send the file again"));
  }

  /** A lifetime as `--expires` takes it ("30d", "1d12h", "90s"), then its seconds: "30d (2592000 s)". */
  static String readable(Duration d) {
    long s = d.toSeconds();
    if (s <= 0) {
      return s + " s";
    }
    StringBuilder b = new StringBuilder();
    long[] units = {86_400, 3_600, 60, 1};
    String[] names = {"d", "h", "m", "s"};
    long left = s;
    for (int i = 0; i < units.length; i++) {
      if (left >= units[i]) {
        b.append(left / units[i]).append(names[i]);
        left %= units[i];
      }
    }
    return b + " (" + s + " s)";
  }

  private Instant settle() {
    Instant now = clock.instant();
    settled(now);
    return now;
  }

  /** What lists a transferor's grant ids, and an admin's (round DE: an admin was sent to `sealdrop grants`). */
  private static final String GRANT_LISTER = "ListGrants (`sealdrop grants`)";
  private static final String ADMIN_GRANT_LISTER = "ListAllGrants (`sealdrop admin grants list`)";

  /**
   * The grant {@code given} names, if {@code visible} to the caller ({@code lister}: what lists its ids for the caller).
   * {@code notFound} words the refusal from the id as checked by {@link RequestFields}: a value that is not a grant id
   * is never quoted.
   */
  private Grant findVisible(String given, String lister, java.util.function.Predicate<Grant> visible,
      java.util.function.UnaryOperator<String> notFound) {
    String id = RequestFields.id("grant_id", GRANT_PREFIX, given, lister);
    return grants.find(id).filter(visible).orElseThrow(() -> new NotFoundException(Reason.NOT_FOUND,
        notFound.apply(id)));
  }

  private static Grant claimedView(Grant g) {
    return new Grant(g.id(), g.fileId(), g.owner(), g.recipient(), GrantState.CLAIMED, g.createdAt(), g.expiresAt(),
        g.maxDownloads(), g.downloadsUsed(), g.size(), g.fingerprint());
  }

  private static String ordinal(int n) {
    return n == 2 ? "second" : n == 3 ? "third" : n + "th";
  }

  static GrantUnavailableException closedClaim(Claim claim) {
    return switch (claim.state()) {
      case CONFIRMED, COUNTED -> new GrantUnavailableException(Reason.GRANT_CONSUMED,
          "this claim's download has already been counted; the grant cannot be downloaded again with it");
      case REVOKED -> new GrantUnavailableException(Reason.GRANT_REVOKED,
          "the grant was revoked by its owner or an admin; ask the sender for a new grant");
      case LAPSED, OPEN -> new GrantUnavailableException(Reason.CLAIM_CLOSED,
          "this claim's window has passed; redeem the grant again if it is still active");
      case RELEASED -> new GrantUnavailableException(Reason.CLAIM_CLOSED,
          "this claim was released; redeem the grant again if it is still active");
    };
  }

  /**
   * Why a grant cannot be redeemed now. An SFTP client holds no claim id to resume with (the door keeps
   * the claim in its handle and gives it back when a download is cut short), so it is told to get the
   * file again once that download ends, not to resume it with its claim id.
   */
  private GrantUnavailableException redeemRefused(Principal caller, Grant grant, String claimEnds) {
    if (grant.state() == GrantState.CONSUMED) {
      int interrupted = grant.downloadsUsed() - grants.countDelivered(grant.id());
      if (interrupted > 0) {
        // told why, when no download of it was ever completed (outside test: "already used" to a recipient whose
        // three receives had all been cut)
        return new GrantUnavailableException(Reason.GRANT_CONSUMED, "the grant's " + grant.maxDownloads()
            + " download(s) have been used, " + (interrupted == grant.downloadsUsed() ? "all" : interrupted + " of them")
            + " by downloads given back or lapsed unfinished after bytes were handed out (every "
            + ordinal(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD) + " such claim counts as a download, so that"
            + " a file cannot be taken piece by piece without ever counting); it cannot be redeemed; ask the sender"
            + " for a new grant");
      }
    }
    if (grant.state() == GrantState.CLAIMED && Origin.SFTP.equals(caller.origin().door())) {
      return new GrantUnavailableException(Reason.GRANT_CLAIMED, "the grant is claimed by a download in progress;"
          + " it cannot be redeemed now; get it again once that download ends (one cut short over SFTP gives the"
          + " grant back at once), or after its claim window" + claimEnds + " (unless the file's last bytes were"
          + " already handed out on that claim: it then counts as one of the grant's downloads)");
    }
    if (grant.state() == GrantState.CLAIMED) {
      return new GrantUnavailableException(Reason.GRANT_CLAIMED, "the grant is claimed by a download in progress;"
          + " it cannot be redeemed now; resume that download with its claim id, or retry after its window"
          + claimEnds + " (unless the file's last bytes were already handed out on that claim: it then counts as one"
          + " of the grant's downloads)");
    }
    if (grant.state() == GrantState.REVOKED && identities.isRevoked(grant.owner())) {
      // review BE: told "revoked" alone, the recipient asked a sender who can no longer send anything
      return new GrantUnavailableException(Reason.GRANT_REVOKED, "the grant was revoked, and its sender '"
          + grant.owner() + "' has been revoked by an admin (an identity's revocation revokes its grants too), so no"
          + " new grant can come from that identity; it cannot be redeemed; ask whoever acts for the sender now, or an"
          + " admin");
    }
    return unavailable(grant, "it cannot be redeemed");
  }

  /**
   * For a CLAIMED grant, " ends at INSTANT" (when its open claim lapses and the grant is redeemable
   * again, unless that download completes first); else, or if the claim just closed, "".
   */
  private String claimEnds(Grant grant) {
    if (grant.state() != GrantState.CLAIMED) {
      return "";
    }
    // rounded up to the second: retrying at the time shown never comes too early
    return grants.findOpenClaim(grant.id()).map(Claim::expiresAt)
        .map(t -> t.truncatedTo(ChronoUnit.SECONDS).equals(t) ? t : t.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1))
        .map(t -> " ends at " + t).orElse("");
  }

  private static GrantUnavailableException unavailable(Grant grant, String consequence) {
    return unavailable(grant, consequence, "ask the sender for a new grant");
  }

  /** {@code advice}: what the caller can do about an expired, consumed or revoked grant. */
  private static GrantUnavailableException unavailable(Grant grant, String consequence, String advice) {
    return switch (grant.state()) {
      case EXPIRED -> new GrantUnavailableException(Reason.GRANT_EXPIRED, "the grant expired at " + grant.expiresAt()
          + "; " + consequence + "; " + advice);
      case CONSUMED -> new GrantUnavailableException(Reason.GRANT_CONSUMED, "the grant's " + grant.maxDownloads()
          + " download(s) have been used (a download counts once every byte was handed out, and so does every "
          + ordinal(GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD) + " download given back unfinished after bytes were"
          + " handed out); " + consequence + "; " + advice);
      case REVOKED -> new GrantUnavailableException(Reason.GRANT_REVOKED, "the grant was revoked; " + consequence
          + "; " + advice);
      case CLAIMED -> new GrantUnavailableException(Reason.GRANT_CLAIMED, "the grant is claimed by a download in"
          + " progress; " + consequence + " now; resume that download with its claim id, or retry after its window");
      case ACTIVE -> throw new IllegalStateException("server: internal error: an active grant reported unavailable");
    };
  }

  /** Runs one audited act: the record names what {@code work} identified, with ok or the refusal's reason. */
  private <T> T audited(Principal caller, String action, java.util.function.Function<Seen, T> work) {
    Seen seen = new Seen();
    T result;
    try {
      result = work.apply(seen);
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, action, seen.object(), Audit.resultOf(e), seen.details());
      throw e;
    }
    audit.record(caller, action, seen.object(), "ok", seen.details());
    return result;
  }

  /**
   * What an act is about, as far as it got: the grant and file ids (identifiers only, never a
   * token or a claim secret), and further public facts such as the recipient.
   */
  static final class Seen {
    private String grantId = "";
    private String fileId = "";
    private final Map<String, String> extra = new TreeMap<>();

    void grant(String id) {
      grantId = id == null ? "" : id;
    }

    void file(String id) {
      fileId = id == null ? "" : id;
    }

    void of(Grant g) {
      grantId = g.id();
      fileId = g.fileId();
    }

    void put(String key, String value) {
      extra.put(key, value == null ? "" : value);
    }

    String object() {
      return !grantId.isEmpty() ? Audit.object("grant", grantId) : Audit.object("file", fileId);
    }

    Map<String, String> details() {
      Map<String, String> d = new TreeMap<>(extra);
      if (!grantId.isEmpty()) {
        d.put("grant-id", grantId);
      }
      if (!fileId.isEmpty()) {
        d.put("file-id", fileId);
      }
      return d;
    }
  }
}
