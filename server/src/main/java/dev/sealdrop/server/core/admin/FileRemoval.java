package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.RequestFields;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.SessionRegistry;
import dev.sealdrop.server.core.upload.BlobStore;
import dev.sealdrop.server.core.upload.UploadService;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Removes a stored file: its ciphertext, every grant on it (kept as purged, so that a token's holder is told who
 * removed it and when), and its downloads in flight. One rule for an admin's purge and for its owner's delete: a grant
 * whose claim had been served every byte counts as delivered ({@code grant.consume}), and every grant removed gets its
 * own {@code grant.purge} record, so that each grant's history ends with a record that names it.
 */
public final class FileRemoval {
  private final AdminRepository repository;
  private final GrantService grants;
  private final BlobStore blobs;
  private final SessionRegistry sessions;
  private final Audit audit;
  private final RefusalThrottle refusals;
  private final Clock clock;

  public FileRemoval(AdminRepository repository, GrantService grants, BlobStore blobs, SessionRegistry sessions,
      Audit audit, RefusalThrottle refusals, Clock clock) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.grants = Objects.requireNonNull(grants, "grants");
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A removed file: how many grants pointed at it, and how many of its downloads were streaming (cut). */
  public record Removed(String fileId, int grantsDeleted, int downloadsCut) {}

  /**
   * Deletes one of {@code caller}'s own files ({@code file.delete}): allowed during a lockdown, as a revoke is, since
   * it only takes something away. Only a transferor has files; another identity's file is answered as no file at all,
   * so that an id tells nothing of whose it is.
   */
  public Removed deleteOwn(Principal caller, String givenFileId) {
    String named = RequestFields.idOrEmpty(UploadService.FILE_PREFIX, givenFileId);
    String object = Audit.object("file", named);
    Removed removed;
    try {
      caller.require(dev.sealdrop.server.core.identity.Role.TRANSFEROR, "delete uploaded files"); // as ListFiles
      String fileId = RequestFields.id("file_id", UploadService.FILE_PREFIX, givenFileId, "`sealdrop files`");
      removed = remove(caller.identity(), caller.origin().peer(), fileId, caller.identity(), PurgedGrant.Cause.OWNER,
          Map.of(Audit.DOOR, caller.origin().door()))
          .orElseThrow(() -> new NotFoundException(Reason.NOT_FOUND, "no file " + fileId + " of yours (it may have"
              + " been deleted already); `sealdrop files` lists yours"));
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, "file.delete", object, Audit.resultOf(e), Map.of());
      throw e;
    }
    audit.record(caller, "file.delete", object, "ok", Map.of("grants", String.valueOf(removed.grantsDeleted())));
    return removed;
  }

  /**
   * Removes file {@code fileId} (only if {@code owner} owns it, when not null); empty if there is no such file. Each
   * grant removed is recorded as {@code grant.purge} by {@code actor} with {@code details} and its cause.
   */
  Optional<Removed> remove(String actor, String peer, String fileId, String owner, PurgedGrant.Cause cause,
      Map<String, String> details) {
    if (owner != null && !repository.fileOwner(fileId).map(owner::equals).orElse(false)) {
      // before the download lock, which every download's start, end and last chunk takes (review CT: a loop of deletes
      // of ids not the caller's held it for each); one lookup, as for an id that names no file
      return Optional.empty();
    }
    Instant now = clock.instant();
    // a claim served every byte delivered the file: a removal cannot take it back, and an auditor counting
    // deliveries by grant.consume must find it, as after a revoke (outside test)
    List<Grant> delivered = new java.util.ArrayList<>();
    // counted as the removal takes effect, before any download is closed: the downloads it cuts
    GrantService.Counted<Optional<List<Grant>>> removed = grants.cuttingDownloadsOfFile(fileId, () -> {
      delivered.addAll(grants.deliveredGrantsOfFile(fileId));
      return repository.deleteFile(fileId, owner, cause, now);
    });
    if (removed.result().isEmpty()) {
      return Optional.empty();
    }
    try {
      record(actor, peer, fileId, cause, details, delivered, removed.result().get(), now);
    } finally {
      // the downloads are cut even if a record could not be written (review CW)
      sessions.closeDownloads(d -> d.fileId().equals(fileId), Reason.FILE_PURGED, cause == PurgedGrant.Cause.OWNER
          ? GrantService.FILE_DELETED_CUT : GrantService.FILE_PURGED_CUT);
      // after the records and outside the download lock (review CT): a large file's delete takes a while
      AdminOperations.Purger.deleteBlob(blobs, fileId);
    }
    return Optional.of(new Removed(fileId, removed.result().get().size(), removed.downloadsCut()));
  }

  /** The removal's records: each delivery it cannot take back, then each grant it deleted. */
  private void record(String actor, String peer, String fileId, PurgedGrant.Cause cause, Map<String, String> details,
      List<Grant> delivered, List<Grant> deleted, Instant now) {
    java.util.Set<String> counted = new java.util.HashSet<>();
    for (Grant g : delivered) {
      // a confirm that landed between the look and the delete counted this download itself, and its record says so
      // (round CU: one delivery, two grant.consume records): only a grant the delete found as the look did is reported
      if (deleted.stream().anyMatch(d -> d.id().equals(g.id())
          && d.downloadsUsed() == g.downloadsUsed())) {
        grants.auditDeliveredBeforePurge(g);
        counted.add(g.id());
      }
    }
    for (Grant g : deleted) {
      Map<String, String> grantDetails = new TreeMap<>(details);
      grantDetails.put("grant-id", g.id());
      grantDetails.put("file-id", fileId);
      grantDetails.put("state", stateAtRemoval(g, counted.contains(g.id()), now));
      grantDetails.put("cause", cause == PurgedGrant.Cause.OWNER ? "file-deleted" : "file-purged");
      audit.record(actor, "grant.purge", "grant:" + g.id(), "ok", peer, grantDetails);
    }
  }

  /**
   * The state grant {@code g} ended in, as its tombstone keeps it and its holder is told: a claimed grant whose last
   * download the removal counted as delivered ({@code deliveredNow}) ended consumed, not claimed (review of session 53:
   * the record said "claimed" after that delivery's {@code grant.consume}).
   */
  private static String stateAtRemoval(Grant g, boolean deliveredNow, Instant now) {
    boolean usedUp = deliveredNow && g.downloadsUsed() + 1 >= g.maxDownloads();
    return (usedUp ? "consumed" : g.asOf(now).state().name()).toLowerCase(Locale.ROOT);
  }
}
