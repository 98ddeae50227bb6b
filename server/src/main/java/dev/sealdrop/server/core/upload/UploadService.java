package dev.sealdrop.server.core.upload;

import dev.sealdrop.server.core.Ids;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnavailableException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.LiveIdentityCheck;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.keys.KeyDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates, resumes and lists uploads; expires abandoned ones; recovers after a crash. */
public final class UploadService {
  static final Logger LOG = LoggerFactory.getLogger("sealdrop.upload");
  public static final String UPLOAD_PREFIX = "up_";
  public static final String FILE_PREFIX = "f_";

  final UploadRepository uploads;
  final BlobStore blobs;
  final KeyDirectory keys;
  final UploadPolicy policy;
  /** The limits of grants: the terms an upload's uploader states up front are checked against them. */
  private final dev.sealdrop.server.core.grant.GrantPolicy grantPolicy;
  final Clock clock;
  final dev.sealdrop.server.core.identity.IdentityService identities;
  /** Uploads with a stream attached on this node: a second concurrent stream is refused. */
  private final Set<String> active = ConcurrentHashMap.newKeySet();
  /** The streams attached now, by upload id: the stall timer looks at them. */
  private final Map<String, UploadSession> streaming = new ConcurrentHashMap<>();
  /** The slots of the streams attached now: max-upload-streams, and each identity's share of them. */
  private final UploadStreams slots;
  /** When this server started: an upload its stop left is not expired within {@link #START_GRACE} of it. */
  private final Instant startedAt;
  /** How long after a start an upload idle past its lifetime is kept, so that its owner, back too, can resume it. */
  static final java.time.Duration START_GRACE = java.time.Duration.ofHours(1);
  final dev.sealdrop.server.core.TransferGate gate;
  /** Refuses new uploads once a graceful shutdown has begun (uploads in flight may finish). */
  private final dev.sealdrop.server.core.Shutdown shutdown;
  final Audit audit;
  /** The budget of refused upload acts a minute (round AE: a loop of junk ids flooded the audit log). */
  private final dev.sealdrop.server.core.audit.RefusalThrottle refusals;
  /** The per-identity quota, exact across an owner's concurrent streams (counted in memory). */
  final Quota quota;
  /** Runs uploads' background checkpoints (fsync + offset); at most one per upload at a time. */
  final java.util.concurrent.ExecutorService checkpoints = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "upload-checkpoint");
    t.setDaemon(true);
    return t;
  });

  public UploadService(UploadRepository uploads, BlobStore blobs, KeyDirectory keys,
      dev.sealdrop.server.core.identity.IdentityService identities, UploadPolicy policy,
      dev.sealdrop.server.core.grant.GrantPolicy grantPolicy, Clock clock, dev.sealdrop.server.core.TransferGate gate,
      dev.sealdrop.server.core.Shutdown shutdown, Audit audit, dev.sealdrop.server.core.audit.RefusalThrottle refusals) {
    this.grantPolicy = Objects.requireNonNull(grantPolicy, "grantPolicy");
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.uploads = Objects.requireNonNull(uploads, "uploads");
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.startedAt = clock.instant();
    this.quota = new Quota(uploads, policy);
    this.slots = new UploadStreams(policy);
  }

  public UploadPolicy policy() {
    return policy;
  }

  /**
   * Starts an upload; {@code expectedSize} (0 = unknown) is checked against the limits up front.
   * Audited as {@code upload.start}, refusals included.
   */
  public Upload create(Principal caller, long expectedSize) {
    return create(caller, expectedSize, List.of());
  }

  /**
   * The most unfinished (OPEN) uploads one identity may hold. Each holds a row and a temporary file
   * until it is finished or expires idle, and the quota counts only bytes: without this, a loop of
   * CreateUpload calls could fill the server's disk with empty files for a day.
   */
  public static final int MAX_OPEN_UPLOADS = 64;

  /** The most recipients an upload may state up front. */
  public static final int MAX_INTENDED_RECIPIENTS = 16;

  /**
   * Starts an upload, as {@link #create(Principal, long)}, for a file its uploader means to grant to
   * {@code intendedRecipients} (none: not stated). Each must pass the rule a grant would apply
   * ({@link dev.sealdrop.server.core.identity.IdentityService#grantRecipient}), so that a grant
   * bound to fail is refused before any byte is sent. Not stored: it does not limit later grants.
   */
  public Upload create(Principal caller, long expectedSize, List<String> intendedRecipients) {
    return create(caller, expectedSize, intendedRecipients, java.time.Duration.ZERO, 0);
  }

  /**
   * The same, for a grant its uploader means to make with {@code intendedLifetime} (zero: the default) and {@code
   * intendedDownloads} (0: one), checked as CreateGrant checks them ({@link
   * dev.sealdrop.server.core.grant.GrantPolicy#terms}; round CN: `send --downloads 11` uploaded the whole file before
   * it was told that a grant allows 1 to 10 downloads). Not stored either.
   */
  public Upload create(Principal caller, long expectedSize, List<String> intendedRecipients,
      java.time.Duration intendedLifetime, int intendedDownloads) {
    Upload upload;
    try {
      upload = doCreate(caller, expectedSize, intendedRecipients, intendedLifetime, intendedDownloads);
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, "upload.start", "", Audit.resultOf(e), Map.of());
      throw e;
    }
    audit.record(caller, "upload.start", "upload:" + upload.id(), "ok", Map.of("upload-id", upload.id()));
    return upload;
  }

  private Upload doCreate(Principal caller, long expectedSize, List<String> intendedRecipients,
      java.time.Duration intendedLifetime, int intendedDownloads) {
    caller.require(Role.TRANSFEROR, "upload files");
    gate.check("uploading");
    shutdown.check("uploading");
    if (expectedSize < 0) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, "expected_size must be >= 0 (0 if unknown)");
    }
    if (intendedRecipients.size() > MAX_INTENDED_RECIPIENTS) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, "at most " + MAX_INTENDED_RECIPIENTS
          + " intended recipients; got " + intendedRecipients.size());
    }
    for (String recipient : intendedRecipients) {
      identities.grantRecipient(caller, "intended_recipients", recipient);
    }
    grantPolicy.terms(intendedLifetime, intendedDownloads);
    keys.signingKeyOf(caller.identity());
    checkLimits(caller.identity(), expectedSize);
    if (uploads.countOpen(caller.identity()) >= MAX_OPEN_UPLOADS) {
      throw tooManyUploads(caller, sftpHeld(caller.identity()));
    }
    Instant now = clock.instant();
    Upload upload = new Upload(Ids.next(UPLOAD_PREFIX), caller.identity(), UploadState.OPEN, expectedSize, 0, now, now,
        null, caller.origin().resumesTransfers());
    try {
      blobs.createTemp(upload.id());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the upload's temporary file", e);
    }
    // the count above refuses early and cheaply; this insert is what holds the limit under concurrency
    boolean created;
    try {
      created = gate.within("uploading", () -> uploads.createWithin(upload, MAX_OPEN_UPLOADS, caller.credential()));
    } catch (RuntimeException e) {
      deleteTempQuietly(upload.id()); // a lockdown switched on since the check above (round AE)
      throw e;
    }
    if (!created) {
      deleteTempQuietly(upload.id());
      identities.authenticate(caller.certificate(), caller.origin()); // disabled or revoked meanwhile (uncached)
      throw tooManyUploads(caller, sftpHeld(caller.identity()));
    }
    LOG.info("upload {} created by '{}' (announced size: at least {} bytes)", upload.id(), caller.identity(), expectedSize);
    return upload;
  }

  /** How many of {@code owner}'s unfinished uploads are SFTP ones (an /outbox/ file still open; never resumable). */
  private int sftpHeld(String owner) {
    return (int) uploads.listOpen(null).stream().filter(u -> u.owner().equals(owner) && !u.resumable()).count();
  }

  private static LimitExceededException tooManyUploads(Principal caller, int sftpHeld) {
    // SFTP uploads have no id a client is shown and no send to resume or abandon: they end with their file's handle
    // (outside test: the advice named only `send --abandon`, which knew none of them)
    String sftp = sftpHeld == 0 ? "" : sftpHeld + " of them are SFTP uploads (/outbox/ files still open): close those"
        + " files or end those SFTP sessions, which deletes them; ";
    return new LimitExceededException(Reason.TOO_MANY_UPLOADS, "'" + caller.identity() + "' already has "
        + MAX_OPEN_UPLOADS + " unfinished uploads, the most one identity may hold: " + sftp + "finish one (re-run its"
        + " send to resume it), give one up (`sealdrop send FILE --to NAME --abandon`; AbandonUpload), or wait until"
        + " unfinished ones expire idle (upload-abandon-after)");
  }

  /** The caller's upload; someone else's is reported as not found. */
  public Upload get(Principal caller, String uploadId) {
    return find(caller, uploadId, "look up uploads");
  }

  /**
   * The caller's upload, for a client about to resume it with a grant of {@code intendedLifetime} (zero: the default)
   * and {@code intendedDownloads} (0: one) in mind: terms its grant would be refused for are refused now, as {@link
   * #create} refuses them, before the rest is sent (a re-run of a send with other terms learnt it only after the
   * upload). The upload is left as it is.
   */
  public Upload getToResume(Principal caller, String uploadId, java.time.Duration intendedLifetime,
      int intendedDownloads) {
    Upload upload = get(caller, uploadId);
    grantPolicy.terms(intendedLifetime, intendedDownloads);
    return upload;
  }

  /** The caller's upload, for {@code action} (the role's refusal names it); someone else's is not found. */
  private Upload find(Principal caller, String uploadId, String action) {
    caller.require(Role.TRANSFEROR, action);
    String id = dev.sealdrop.server.core.RequestFields.id("upload_id", UPLOAD_PREFIX, uploadId, "CreateUpload");
    return uploads.find(id).filter(u -> u.owner().equals(caller.identity())).orElseThrow(() ->
        new NotFoundException(Reason.NOT_FOUND, "no upload " + id + " of yours; start one with CreateUpload"));
  }

  /**
   * Attaches a stream to an OPEN upload at its committed offset (a resume re-reads the stored
   * prefix). A refusal is audited as {@code upload.abort}; the session audits how the stream ends.
   */
  public UploadSession begin(Principal caller, String uploadId, long offset) {
    return begin(caller, uploadId, offset, null, LiveIdentityCheck.sameCertificate(identities, caller));
  }

  private UploadSession begin(Principal caller, String uploadId, long offset, UploadStreams.Reservation reservation,
      Supplier<Principal> again) {
    try {
      return doBegin(caller, uploadId, offset, reservation, again);
    } catch (RuntimeException e) {
      throw refused(caller, uploadId, e);
    } catch (OutOfMemoryError e) {
      LOG.warn("upload {} by '{}' could not begin: {}", uploadId, caller.identity(), e.toString());
      throw refused(caller, uploadId, dev.sealdrop.server.core.LimitExceededException.shortOfMemory(e));
    }
  }

  /**
   * Audits the refusal of a stream before a session was attached, as {@code upload.abort} with the
   * refusal (object {@code upload:} and the id it named, if any), and returns it to be thrown: a
   * refused {@link #begin}, or a stream the door refused before it named an upload (its first
   * message without a start, or no message at all), so that every refused upload stream is in
   * the audit log. The id is recorded only if it is well formed (normalised, {@link
   * dev.sealdrop.server.core.RequestFields#idOrEmpty}): what a client sent as an upload id may be
   * a token or any junk pasted there, and the audit log is append-only.
   */
  public RuntimeException refused(Principal caller, String uploadId, RuntimeException refusal) {
    String id = dev.sealdrop.server.core.RequestFields.idOrEmpty(UPLOAD_PREFIX, uploadId);
    refusals.refusedAct(caller, "upload.abort", "upload:" + id, Audit.resultOf(refusal),
        id.isEmpty() ? Map.of() : Map.of("upload-id", id));
    return refusal;
  }

  /**
   * Audits a refusal of a message that came after the one with {@code finish}, on a stream whose
   * upload was already committed (as {@code upload.commit}) as file {@code fileId}: {@code
   * upload.abort} with the refusal (the commit stands; the record says the stream did not end as it
   * should have), and returns it to be thrown.
   */
  public RuntimeException refusedAfterCommit(Principal caller, String uploadId, String fileId,
      RuntimeException refusal) {
    audit.record(caller, "upload.abort", "upload:" + uploadId, Audit.resultOf(refusal),
        Map.of("upload-id", uploadId, "file-id", fileId));
    return refusal;
  }

  /**
   * Audits an Upload stream that ended before any message named an upload (its client cancelled it,
   * or the server closed it), as {@code upload.abort} with object {@code upload:} and why it stopped:
   * the lockdown or revocation that applies now, or {@code interrupted}; as a stream interrupted
   * after its start is ({@link UploadSession#interrupted}).
   */
  public void interruptedBeforeStart(Principal caller) {
    String why;
    try {
      gate.check("uploading");
      identities.authenticate(caller.certificate(), caller.origin());
      why = Audit.INTERRUPTED;
    } catch (dev.sealdrop.server.core.SealdropException e) {
      why = Audit.resultOf(e);
    } catch (RuntimeException e) {
      why = Audit.INTERRUPTED;
    }
    refusals.refusedAct(caller, "upload.abort", "upload:", why, Map.of()); // (a loop of empty streams: within budget)
  }

  private UploadSession doBegin(Principal caller, String rawId, long offset, UploadStreams.Reservation reservation,
      Supplier<Principal> again) {
    if (offset < 0) {
      // malformed, as every value out of range is (round AF: it was told "resume at offset N, not -1")
      throw new InvalidRequestException(Reason.INVALID_REQUEST, "offset must be >= 0 (the offset to resume at, as"
          + " GetUpload's committed_offset says); got " + offset);
    }
    Upload upload = find(caller, rawId, "upload files");
    String uploadId = upload.id();
    gate.check("uploading");
    // no new stream while the server drains those running (SealdropServer.close)
    shutdown.check("uploading");
    if (upload.state() != UploadState.OPEN) {
      throw closed(upload);
    }
    // Busy first: while a stream is attached, the stored offset is stale (it grows at checkpoints),
    // so an offset check against it would name a wrong resume point.
    if (!active.add(uploadId)) {
      throw new PreconditionFailedException(Reason.UPLOAD_BUSY, "upload " + uploadId
          + " already has a stream attached; wait for it to end, then resume from GetUpload's offset");
    }
    boolean slotTaken = false;
    try {
      Upload current = uploads.find(uploadId).orElseThrow();
      if (current.state() != UploadState.OPEN) {
        throw closed(current);
      }
      if (offset != current.committedOffset()) {
        throw new PreconditionFailedException(Reason.UPLOAD_OFFSET_MISMATCH, "upload " + uploadId
            + " has " + current.committedOffset() + " bytes stored; resume at offset " + current.committedOffset()
            + ", not " + offset);
      }
      slots.take(caller, uploadId, reservation); // last: a malformed resume is told so, not "busy"
      slotTaken = true;
      // resumed with this certificate (after `keys renew`, another than the one it was started with): revoking the
      // old one must not delete it (review of round DA's fix); also at offset 0, a first stream that broke before its
      // first checkpoint (review DD). A write only when the certificate differs.
      uploads.recordResumedWith(uploadId, caller.credential());
      return UploadSession.open(this, caller, current, again);
    } catch (RuntimeException | Error e) {
      if (slotTaken) {
        slots.release(uploadId);
      }
      active.remove(uploadId); // also when memory ran out opening it: otherwise "busy" until a restart (round T)
      throw e;
    }
  }

  private static PreconditionFailedException closed(Upload upload) {
    return new PreconditionFailedException(Reason.UPLOAD_CLOSED, "upload " + upload.id() + " is "
        + upload.state().name().toLowerCase(java.util.Locale.ROOT)
        + (upload.fileId() != null ? " as file " + upload.fileId() : "") + "; start a new upload to send again");
  }

  void release(String uploadId) {
    streaming.remove(uploadId);
    slots.release(uploadId);
    active.remove(uploadId);
  }

  /** How many upload streams are attached now (both doors), of {@link UploadPolicy#maxUploadStreams}. */
  public int streamsRunning() {
    return slots.running();
  }

  void attached(UploadSession session) {
    streaming.put(session.uploadId(), session);
  }

  /**
   * Stops every upload stream whose client has sent nothing for {@link UploadPolicy#stallTimeout} (see
   * {@link UploadSession}): run by the server's timer. Returns how many it stopped.
   */
  public int stopStalledUploads() {
    long now = System.nanoTime();
    int stopped = 0;
    for (UploadSession s : streaming.values()) {
      if (s.stopIfStalled(now, policy.stallTimeout())) {
        stopped++;
      }
    }
    return stopped;
  }

  /**
   * Refuses an upload of {@code size} bytes, not created yet, over the size limit or the owner's
   * quota. The quota counts committed files and the data of unfinished uploads (those with a
   * stream attached as received so far), so uploads left open cannot hold more disk than it allows.
   */
  void checkLimits(String owner, long size) {
    if (size > policy.maxUploadBytes()) {
      throw tooLarge(size);
    }
    quota.check(owner, size);
  }

  /**
   * The refusal of an upload declared at {@code size} bytes, over the per-file limit: what CreateUpload's {@code
   * expected_size} says, which the CLI computes as the least the envelope can be (its chunks' overhead depends on the
   * sealing), so the message does not call it the envelope's size (outside test: "the envelope is 4124 bytes" for
   * an envelope of 5529).
   */
  LimitExceededException tooLarge(long size) {
    return new LimitExceededException(Reason.UPLOAD_TOO_LARGE, "the upload is declared as at least " + size
        + " bytes; this server accepts at most " + policy.maxUploadBytes() + " bytes per file");
  }

  /** How many bytes an upload stream may write between two looks at the free space ({@link #requireSpace}). */
  static final long SPACE_CHECK_BYTES = 1L << 20;

  /**
   * Refuses the next {@code bytes} of upload {@code uploadId} if writing them would leave less than the
   * storage reserve free on the data folder's file system ({@link UploadPolicy#storageReserveBytes}): the database and
   * the audit log need room to record every act, the refusal and a later abandon included. Before, one upload larger
   * than the free space filled the disk, the next audit record failed, and the server refused everyone until an
   * operator deleted its temporary data by hand (outside test).
   */
  void requireSpace(String uploadId, String door, long bytes) {
    long reserve = policy.storageReserveBytes();
    if (reserve == 0) {
      return;
    }
    long free;
    try {
      free = blobs.usableSpace();
    } catch (IOException e) {
      LOG.warn("upload {}: the free space of the data folder cannot be read ({}); going on", uploadId, e.toString());
      return;
    }
    if (free - bytes >= reserve) {
      return;
    }
    LOG.warn("upload {} stopped: the data folder's file system has {} bytes free, and uploads leave {} free for the"
        + " database and the audit log (storage-reserve-bytes); free space there", uploadId, free, reserve);
    throw new UnavailableException(Reason.STORAGE_FULL, "the server's storage is nearly full ("
        + Math.max(free, 0) / (1 << 20) + " MiB free; it keeps " + Math.max(reserve >> 20, 1) + " MiB for its own records),"
        + " so it stopped taking this upload; " + (Origin.SFTP.equals(door)
            ? "an SFTP upload cannot be resumed, so what it sent was deleted: put the file again once there is room"
            : "what was received is kept for a resume: run the same send again once there is room, or give it up"
                + " (`sealdrop send FILE --to NAME --abandon`, AbandonUpload)")
        + "; ask the server's operator to free space");
  }

  /**
   * The refusal of a stream that passed the per-file limit after {@code received} bytes: the envelope's whole size is
   * not known then (a stream need not say it up front), only that it is larger than the limit.
   */
  LimitExceededException tooLargeWhileStreaming(long received) {
    return new LimitExceededException(Reason.UPLOAD_TOO_LARGE, "the envelope is larger than the " + policy.maxUploadBytes()
        + " bytes this server accepts per file (refused after " + received + " bytes)");
  }

  /** A page of the caller's stored files, newest first ({@link Page}; {@code pageSize} 0 is the default). */
  public Page<StoredFile> listFiles(Principal caller, int pageSize, String pageToken) {
    caller.require(Role.TRANSFEROR, "list uploaded files");
    Page.Request page = Page.Request.of(pageSize, pageToken);
    List<StoredFile> read = uploads.listFiles(caller.identity(), page.after(), page.size());
    return Page.of(page, read, f -> new Page.After(f.createdAt(), f.id()), read);
  }

  /** The caller's stored file {@code fileId}, if it has one by that id (another identity's is not found). */
  public Optional<StoredFile> ownFile(Principal caller, String fileId) {
    caller.require(Role.TRANSFEROR, "list uploaded files");
    return uploads.findFile(fileId).filter(f -> f.owner().equals(caller.identity()));
  }

  /** What {@link #abandon} did: the bytes it deleted, or that the upload was closed unfinished already. */
  public record Abandoned(String uploadId, long bytesFreed, boolean alreadyClosed) {}

  /**
   * Gives up an unfinished upload of the caller's (AbandonUpload): closed as ABANDONED, its data deleted
   * at once, so that it no longer holds quota. The way out when unfinished uploads fill the quota
   * (two sends at once that together pass it are each refused mid-stream and kept to resume, and
   * neither can go on) short of waiting for them to expire. Allowed during a lockdown (it only frees
   * space). Audited as {@code upload.abandon}.
   */
  public Abandoned abandon(Principal caller, String uploadId) {
    String id = dev.sealdrop.server.core.RequestFields.idOrEmpty(UPLOAD_PREFIX, uploadId);
    try {
      Abandoned a = doAbandon(caller, uploadId);
      audit.record(caller, "upload.abandon", "upload:" + a.uploadId(), a.alreadyClosed() ? "unchanged" : "ok",
          Map.of("upload-id", a.uploadId(), "bytes", Long.toString(a.bytesFreed())));
      return a;
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, "upload.abandon", "upload:" + id, Audit.resultOf(e),
          id.isEmpty() ? Map.of() : Map.of("upload-id", id));
      throw e;
    }
  }

  /** The {@code cause} detail of the {@code upload.abandon} record of a CreateUpload whose answer was not sent. */
  public static final String ANSWER_NOT_SENT = "answer-not-sent";

  /**
   * Gives up the upload a CreateUpload made whose answer (the upload id) did not reach its caller (its deadline passed
   * or it cancelled while the server worked): no one knows the id, so no one could resume or abandon it, and 64 such
   * uploads locked the identity out of uploading until upload-abandon-after (round AB). Recorded as the server's
   * {@code upload.abandon} with the cause {@value #ANSWER_NOT_SENT}.
   */
  public void abandonUnanswered(Principal caller, String uploadId) {
    abandonForCaller(caller, uploadId, ANSWER_NOT_SENT);
  }

  /** The {@code cause} detail of the {@code upload.abandon} record of a {@link #startStream} whose stream was refused. */
  public static final String STREAM_REFUSED = "stream-refused";

  /**
   * Starts an upload and attaches its stream at once, as an SFTP file opened for writing is both. Its stream slot
   * ({@link UploadPolicy#maxUploadStreams} and the caller's share) is taken first, so a caller that could not start a
   * stream now is refused before anything is created (round BE: with a check instead, a burst of opens created and
   * gave up uploads that lost the last slot between the two). If the stream is refused after all (a lockdown since),
   * the upload is given up again: a client that cannot resume it would otherwise leave an unfinished upload holding
   * one of its {@value #MAX_OPEN_UPLOADS} until it expired idle.
   */
  public UploadSession startStream(Principal caller) {
    return startStream(caller, LiveIdentityCheck.sameCertificate(identities, caller));
  }

  /**
   * Starts an upload and attaches its stream as {@link #startStream(Principal)}, its caller authenticated again by
   * {@code again} while it runs: its door's authentication of the caller's credential (over SFTP, its key, which a
   * renewal binds to another certificate).
   */
  public UploadSession startStream(Principal caller, Supplier<Principal> again) {
    requireUploader(caller);
    UploadStreams.Reservation slot;
    try {
      slot = slots.reserve(caller);
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, "upload.start", "", Audit.resultOf(e), Map.of());
      throw e;
    }
    try {
      Upload upload = create(caller, 0);
      try {
        return begin(caller, upload.id(), 0, slot, again);
      } catch (RuntimeException e) {
        abandonForCaller(caller, upload.id(), STREAM_REFUSED);
        throw e;
      }
    } finally {
      slots.release(slot); // nothing once the stream took it
    }
  }

  /**
   * Refuses a caller who may not upload, as the refused upload it is ({@code upload.start}, within the refused upload
   * acts' budget): for a door that looks at what an upload would stand beside before it starts it (an SFTP open with
   * EXCL asks whether the name is there, which only an uploader may ask; round DC: an acquirer's EXCL open of a name
   * shaped as a file id was refused and audited as a listing).
   */
  public void requireUploader(Principal caller) {
    try {
      caller.require(Role.TRANSFEROR, "upload files");
    } catch (RuntimeException e) {
      refusals.refusedAct(caller, "upload.start", "", Audit.resultOf(e), Map.of());
      throw e;
    }
  }

  /** Gives up {@code caller}'s upload for them, recorded as the server's {@code upload.abandon} with {@code cause}. */
  private void abandonForCaller(Principal caller, String uploadId, String cause) {
    Abandoned a;
    try {
      a = doAbandon(caller, uploadId);
    } catch (RuntimeException e) {
      LOG.warn("upload {} of '{}' ({}) was not given up: {}", uploadId, caller.identity(), cause, e.toString());
      return;
    }
    audit.record(Audit.SERVER, "upload.abandon", "upload:" + a.uploadId(), a.alreadyClosed() ? "unchanged" : "ok", "",
        Map.of("upload-id", a.uploadId(), "owner", caller.identity(), "cause", cause));
  }

  private Abandoned doAbandon(Principal caller, String rawId) {
    Upload upload = find(caller, rawId, "abandon uploads");
    String uploadId = upload.id();
    if (upload.state() == UploadState.COMMITTED) {
      throw closed(upload);
    }
    if (upload.state() != UploadState.OPEN) {
      return new Abandoned(uploadId, 0, true);
    }
    // held as a stream would hold it, so that no stream attaches while it is closed and deleted
    if (!active.add(uploadId)) {
      throw new PreconditionFailedException(Reason.UPLOAD_BUSY, "upload " + uploadId + " has a stream attached;"
          + " stop the send that is writing it (or wait for it to end), then abandon it");
    }
    try {
      Upload current = uploads.find(uploadId).orElseThrow();
      if (current.state() == UploadState.COMMITTED) {
        throw closed(current);
      }
      if (!uploads.close(uploadId, UploadState.ABANDONED, clock.instant())) {
        return new Abandoned(uploadId, 0, true);
      }
      deleteTempQuietly(uploadId);
      LOG.info("upload {} of '{}' abandoned by its owner at {} bytes; deleted", uploadId, caller.identity(),
          current.committedOffset());
      return new Abandoned(uploadId, current.committedOffset(), false);
    } finally {
      active.remove(uploadId);
    }
  }

  /** The result of the {@code upload.abort} record of an unfinished upload whose owner an admin revoked. */
  public static final String IDENTITY_REVOKED = dev.sealdrop.server.core.identity.IdentityService.IDENTITY_REVOKED;

  /**
   * The result of the {@code upload.abort} record of an unfinished upload whose certificate an admin revoked: the
   * client that started it forgets it (docs/cli.md), so no one would resume it (round DA: it held disk and quota for a
   * day, and neither its owner nor an admin could end it).
   */
  public static final String CERTIFICATE_REVOKED = Audit.token(Reason.CERTIFICATE_REVOKED);

  /** The result of the {@code upload.abort} record of an upload that expired idle (upload-abandon-after). */
  public static final String UPLOAD_EXPIRED = "upload-expired";

  /**
   * Expires OPEN uploads idle past the policy's lifetime and deletes their data, and those of a revoked identity
   * at once (no certificate of it can resume them; they would hold disk until they expired idle, a day by default),
   * and those started with a certificate revoked since, audited as {@code upload.abort} by {@value Audit#SERVER}
   * with result {@value #UPLOAD_EXPIRED}, {@value #IDENTITY_REVOKED} or {@value #CERTIFICATE_REVOKED}. Returns how many.
   */
  public int expireAbandoned() {
    Instant now = clock.instant();
    Instant idleBefore = now.minus(policy.abandonAfter());
    // idle only while its owner could have resumed it: not during a lockdown, which refuses every resume, nor within
    // the lifetime after its lift, nor within an hour (at most the lifetime) of this server's start (review RE: an
    // upload cut by a lockdown, or left by a stop, expired while it could not be resumed, and its owner had to send the
    // whole file again; review RG: a start counting as a lift kept idle uploads for good on a server restarted daily)
    java.time.Duration startGrace = policy.abandonAfter().compareTo(START_GRACE) < 0 ? policy.abandonAfter()
        : START_GRACE;
    boolean idleCounts = gate.notice().isEmpty() && gate.openSince().isBefore(idleBefore)
        && startedAt.isBefore(now.minus(startGrace));
    Map<String, Boolean> revoked = new java.util.HashMap<>();
    Set<String> certificateRevoked = new java.util.HashSet<>();
    uploads.listOpenMadeWithRevokedCertificates().forEach(u -> certificateRevoked.add(u.id()));
    int expired = 0;
    for (Upload u : uploads.listOpen(null)) {
      boolean idle = idleCounts && u.updatedAt().isBefore(idleBefore);
      boolean ownerRevoked = !idle && revoked.computeIfAbsent(u.owner(), identities::isRevoked);
      boolean certificate = !idle && !ownerRevoked && certificateRevoked.contains(u.id());
      // claimed as a stream's start claims it (a stream attached: not abandoned, skipped), so that none attaches while
      // it is closed and its data deleted; and closed only if what made it a candidate still holds in the database, in
      // the closing statement: a resume that started and ended since the listing moved its activity or its
      // certificate (it was closed anyway before)
      if (!(idle || ownerRevoked || certificate) || !active.add(u.id())) {
        continue;
      }
      try {
        boolean closed = idle ? uploads.expireIfIdle(u.id(), idleBefore, now)
            : ownerRevoked ? uploads.close(u.id(), UploadState.EXPIRED, now)
            : uploads.expireIfMadeWithRevokedCertificate(u.id(), now);
        if (!closed) {
          continue;
        }
        deleteTempQuietly(u.id());
      } finally {
        active.remove(u.id());
      }
      expired++;
      if (idle) {
        LOG.info("upload {} of '{}' abandoned at {} bytes; expired and deleted", u.id(), u.owner(),
            u.committedOffset());
      } else {
        LOG.info("upload {} of '{}' deleted at {} bytes: {} was revoked, so no one will resume it", u.id(),
            u.owner(), u.committedOffset(), ownerRevoked ? "its owner" : "the certificate it was started with");
      }
      // the server ended it, not its owner: recorded either way (round AE: an idle one ended with no record)
      audit.record(Audit.SERVER, "upload.abort", "upload:" + u.id(), idle ? UPLOAD_EXPIRED
          : ownerRevoked ? IDENTITY_REVOKED : CERTIFICATE_REVOKED, "",
          Map.of("upload-id", u.id(), "owner", u.owner(), "bytes", Long.toString(u.committedOffset())));
    }
    return expired;
  }

  /** The result of the {@code upload.abort} record of an upload that a server restart ended (see {@link #recover}). */
  public static final String SERVER_RESTARTED = "server-restarted";

  /**
   * After a crash: truncates every OPEN upload that a client can resume to its durable offset, and
   * closes as FAILED and deletes every OPEN upload that none can ({@link Upload#resumable}: one
   * made through the SFTP door, whose handle died with the server), so that it does not hold its
   * owner's quota and an upload slot until it expires idle; audited as {@code upload.abort} by
   * {@value Audit#SERVER} with result {@value #SERVER_RESTARTED}. Then deletes temporary files and
   * blobs that no OPEN upload or committed file owns (half-written data is never listed). Runs at
   * startup, before any door accepts a connection.
   */
  public void recover() throws IOException {
    recover(false);
  }

  /**
   * {@link #recover()}; {@code databaseLooksBehind}: the start found the database behind its audit log (an older copy
   * restored alone?), so stored files it does not name are set aside, not deleted (review EI).
   */
  public void recover(boolean databaseLooksBehind) throws IOException {
    Set<String> open = new java.util.HashSet<>();
    for (Upload u : uploads.listOpen(null)) {
      if (!u.resumable()) {
        endUnresumable(u);
        continue;
      }
      open.add(u.id());
      try (BlobStore.TempWriter w = blobs.openTemp(u.id(), u.committedOffset())) {
        w.sync();
      } catch (IOException e) {
        LOG.warn("upload {}: its temporary data is unusable ({}); marking it failed", u.id(), e.toString());
        open.remove(u.id());
        if (uploads.close(u.id(), UploadState.FAILED, clock.instant())) {
          // ended by the server, not its owner: recorded, as every other end of an upload (round BM: none was)
          audit.record(Audit.SERVER, "upload.abort", "upload:" + u.id(), SERVER_RESTARTED, "", Map.of("upload-id",
              u.id(), "owner", u.owner(), "bytes", Long.toString(u.committedOffset()), "cause", "data-unusable"));
        }
      }
    }
    Set<String> files = uploads.allFileIds();
    Set<String> blobsPresent = new java.util.HashSet<>(blobs.listBlobs());
    for (String temp : blobs.listTemps()) {
      if (open.contains(temp)) {
        continue;
      }
      java.util.Optional<Upload> committed = uploads.find(temp).filter(u -> u.state() == UploadState.COMMITTED
          && u.fileId() != null && files.contains(u.fileId()) && !blobsPresent.contains(u.fileId()));
      if (committed.isPresent()) {
        // a crash between the commit's row and the rename of its data (UploadSession.writeCommitted): finished now
        LOG.warn("upload {}: committed as file {} but its data was not moved into place (a crash, or a failed rename);"
            + " moving it now", temp, committed.get().fileId());
        blobs.commit(temp, committed.get().fileId());
        blobsPresent.add(committed.get().fileId());
        continue;
      }
      LOG.info("deleting stray temporary upload data {}", temp);
      blobs.deleteTemp(temp);
    }
    List<String> unnamed = blobsPresent.stream().filter(b -> !files.contains(b)).sorted().toList();
    if (databaseLooksBehind || unnamed.size() > MAX_UNNAMED_BLOBS || blobs.setAsideUnfinished()) {
      // a crash cuts the few purges in flight; this many, or a database behind its log, may be a database that does
      // not belong to these files (an older backup of it): deleting them would lose them for good (review EI). Set
      // aside, as failed deletes (a disk that refused them for a while) may also have left them (review EK)
      // a start cut while it set them aside left the rest to the next one, which sets them aside too (review RI)
      java.nio.file.Path where = blobs.setAside(unnamed);
      if (!unnamed.isEmpty()) {
        LOG.warn("{} stored files that the database does not name were set aside in {}, not deleted (e.g. {}): a crash"
            + " leaves at most a few such files, the purges it cut{}. If sealdrop.db was restored alone from an older"
            + " backup, stop the server and restore the whole data folder from one backup (or, with the server stopped,"
            + " put back the database that names them and move them back into blobs/); if files were purged while"
            + " their disk refused the deletes, delete them there", unnamed.size(), where,
            String.join(", ", unnamed.subList(0, Math.min(3, unnamed.size()))),
            databaseLooksBehind ? ", and the database is behind its audit log" : "");
      }
    } else {
      for (String blob : unnamed) {
        LOG.warn("deleting blob {}, which no file names (a commit or a purge cut by a crash)", blob);
        blobs.deleteBlob(blob);
      }
    }
    List<String> missing = files.stream().filter(f -> !blobsPresent.contains(f)).sorted().toList();
    if (!missing.isEmpty()) {
      // review EI: a blobs/ folder restored from an older backup (or files lost on disk) was found by each sender
      // only at a download ("damaged on the server")
      LOG.warn("{} stored files the database names have no data in blobs/ (e.g. {}): their downloads will fail as"
          + " damaged; if blobs/ was restored from a backup, restore the whole data folder from one backup",
          missing.size(), String.join(", ", missing.subList(0, Math.min(3, missing.size()))));
    }
  }

  /**
   * How many stored files no database row names a start deletes as a crash's leftovers (purges it cut between the row
   * and the data); more are set aside ({@link #recover(boolean)}).
   */
  static final int MAX_UNNAMED_BLOBS = 16;

  /** An upload no client can resume, left OPEN by a crash: closed as FAILED, its data deleted, audited. */
  private void endUnresumable(Upload u) {
    if (!uploads.close(u.id(), UploadState.FAILED, clock.instant())) {
      return;
    }
    deleteTempQuietly(u.id());
    LOG.info("upload {} of '{}' was cut by a server restart at {} durable bytes; it cannot be resumed (made"
        + " through the SFTP door), so it is closed and deleted", u.id(), u.owner(), u.committedOffset());
    audit.record(Audit.SERVER, "upload.abort", "upload:" + u.id(), SERVER_RESTARTED, "",
        Map.of("upload-id", u.id(), "owner", u.owner(), "bytes", Long.toString(u.committedOffset())));
  }

  void deleteTempQuietly(String uploadId) {
    try {
      blobs.deleteTemp(uploadId);
    } catch (IOException e) {
      LOG.warn("upload {}: cannot delete temporary data: {}", uploadId, e.toString());
    }
  }
}
