package dev.sealdrop.server.core.upload;

import dev.sealdrop.envelope.BadSignatureException;
import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.EnvelopeInspector;
import dev.sealdrop.envelope.HeaderInfo;
import dev.sealdrop.envelope.InspectionResult;
import dev.sealdrop.envelope.UntrustedSenderException;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.server.core.Ids;
import dev.sealdrop.server.core.InvalidEnvelopeException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * One stream attached to an upload. Not thread-safe: the door calls it from one call at a time
 * (gRPC serialises a call's callbacks), never from the network event loop, because it writes to
 * disk. It ends with {@link #finish} (committed), or with a refusal of {@link #append} or
 * {@link #finish}, or with {@link #interrupted} / {@link #abort}; each end is audited exactly once
 * ({@code upload.commit} or {@code upload.abort}, with the caller's door).
 *
 * <p>Checkpoints (an fsync, then the durable offset recorded for resuming) run on a background
 * thread while the stream goes on writing, one at a time, so the disk's latency does not stall the
 * transfer. The offset recorded is never beyond what that fsync covered, and {@link #finish}
 * answers only after its own fsync of everything.
 *
 * <p>A stream whose client sends nothing for {@link UploadPolicy#stallTimeout} while its connection stays up would
 * hold the upload (a resume is refused {@code UPLOAD_BUSY}) and this session's buffers for as long as that connection
 * lives: the core's timer ({@link UploadService#stopStalledUploads}) lets its door end it with {@code UPLOAD_STALLED}
 * through what the door gave to {@link #onStall}. The door ends it on its own thread or under its own lock, as it
 * ends a stream for any other reason, so this session is still used by one caller at a time.
 */
public final class UploadSession {
  /** How a door ends its stream when the core stops it for stalling; called on the core's timer thread. */
  @FunctionalInterface
  public interface StallStop {
    void stop(SealdropException why);
  }

  private final UploadService service;
  private final Principal caller;
  private final Upload upload;
  private final VerifyingKey senderKey;
  /** Continued from the stored bytes at a resume ({@link #resumeInspection}). */
  private EnvelopeInspector inspector = new EnvelopeInspector();
  private final BlobStore.TempWriter writer;
  private final dev.sealdrop.server.core.identity.LiveIdentityCheck identity;
  private long received;
  /**
   * This stream's share of the owner's usage: every chunk is counted against the quota before it is
   * written, with the owner's other streams' bytes as received so far, so that the owner's uploads
   * never together hold bytes past the quota.
   */
  private final Quota.Stream quota;
  private long sinceCheckpoint;
  /** The free space allows writing up to here ({@link UploadService#requireSpace}); looked at again past it. */
  private long spaceCheckedUpTo;
  private java.util.concurrent.Future<?> pendingCheckpoint = java.util.concurrent.CompletableFuture.completedFuture(null);
  /** Guards {@link #checkpointRunning} and {@link #nextCheckpoint}, shared with the background checkpoint. */
  private final Object checkpointHandOver = new Object();
  /** A background checkpoint runs (its task may yet take {@link #nextCheckpoint}). */
  private boolean checkpointRunning;
  /** The checkpoint the running one runs next; null: none. */
  private Progress nextCheckpoint;
  private boolean headerChecked;
  /** The writer is closed and the upload released. */
  private boolean ended;
  /** Whether {@link #releaseOnce} ran. */
  private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
  /** The end (commit or abort) is in the audit log. */
  private boolean audited;
  /** System.nanoTime() of the client's last bytes (or, through {@link #active}, of its last request to its door). */
  private volatile long lastActive = System.nanoTime();
  private volatile StallStop onStall;
  /** Set once the core asked the door to stop this stream for stalling: it is asked once. */
  private volatile boolean stallStopped;

  private UploadSession(UploadService service, Principal caller, Upload upload, VerifyingKey senderKey,
      Quota.Stream quota, BlobStore.TempWriter writer, java.util.function.Supplier<Principal> again) {
    this.service = service;
    this.caller = caller;
    this.upload = upload;
    this.senderKey = senderKey;
    this.writer = writer;
    this.identity = new dev.sealdrop.server.core.identity.LiveIdentityCheck(caller, again);
    this.received = upload.committedOffset();
    this.quota = quota;
  }

  /**
   * Registers this stream with {@code sessions} as a live transfer (a lockdown cuts it), closed through its door's
   * {@code closer}. It follows its caller: a certificate's revocation cuts it only while its caller still acts with
   * that certificate, not once its door authenticates the caller under a renewed one (review RO: an SFTP upload opened
   * before `keys renew` was cut by the old certificate's revocation, though its session went on).
   */
  public dev.sealdrop.server.core.identity.LiveSessions.Registration register(
      dev.sealdrop.server.core.identity.LiveSessions sessions,
      dev.sealdrop.server.core.identity.LiveSessions.Closer closer) {
    return sessions.registerFollowing(caller, true, identity::checkNow, closer);
  }

  static UploadSession open(UploadService service, Principal caller, Upload upload,
      java.util.function.Supplier<Principal> again) {
    VerifyingKey key = service.keys.signingKeyOf(caller.identity());
    Quota.Stream quota = service.quota.attach(caller.identity(), upload.id(), upload.committedOffset());
    BlobStore.TempWriter writer;
    try {
      writer = service.blobs.openTemp(upload.id(), upload.committedOffset());
    } catch (IOException e) {
      quota.detach();
      throw new UncheckedIOException("cannot open upload " + upload.id() + "'s temporary data", e);
    } catch (RuntimeException | Error e) {
      // no direct memory left for the writer's buffers (told SERVER_BUSY, which the CLI retries): a stream left
      // counted would count the upload's stored bytes twice at the retry, and for good after an abandon (review RI)
      quota.detach();
      throw e;
    }
    UploadSession session = new UploadSession(service, caller, upload, key, quota, writer, again);
    try {
      session.resumeInspection();
    } catch (RuntimeException | IOException | Error e) {
      session.closeWriterQuietly();
      quota.detach();
      if (e instanceof Error err) {
        throw err;
      }
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
    UploadService.LOG.info("upload {}: stream attached at offset {}", upload.id(), upload.committedOffset());
    service.attached(session);
    return session;
  }

  /**
   * The inspector is in memory only: after a resume it continues from the progress recorded with the durable offset,
   * reading only the header and the bytes after the chunks that progress covers (at most about one checkpoint's
   * bytes: a checkpoint handed over records an earlier progress than its fsync covers; every stored byte if none was
   * recorded). Before that, a resume re-read the whole stored prefix, so that a transferor looping
   * cancelled resumes of a large upload made the server read it all each time (review DN).
   */
  private void resumeInspection() throws IOException {
    long length = upload.committedOffset();
    if (length == 0) {
      return;
    }
    byte[] progress = service.uploads.inspectionProgress(upload.id()).orElse(null);
    try {
      inspector = EnvelopeInspector.resume(length, progress, (from, to) -> service.blobs.readTemp(upload.id(), from,
          to));
    } catch (EnvelopeException e) {
      throw reject(Reason.ENVELOPE_MALFORMED, "the upload's stored part is not a sealdrop envelope (" + e.getMessage()
          + "); seal the file with the sealdrop CLI and upload the result");
    }
    checkHeader();
    UploadService.LOG.debug("upload {}: inspection resumed at {} bytes, {} of them read again", upload.id(), length,
        inspector.bytesReread());
  }

  public String uploadId() {
    return upload.id();
  }

  public long received() {
    return received;
  }

  /**
   * How the door ends this stream if the core stops it for stalling ({@link #stopIfStalled}). A stream whose door gave
   * none is never stopped that way.
   */
  public void onStall(StallStop stop) {
    onStall = java.util.Objects.requireNonNull(stop, "stop");
  }

  /**
   * The client sent something to this upload that its door holds before it appends it (a door that gathers small
   * writes into larger appends): a slow but writing client is not taken for a stalled one. Any thread.
   */
  public void active() {
    lastActive = System.nanoTime();
  }

  /**
   * Asks the door to stop this stream if its client has sent nothing for {@code timeout} until {@code now}
   * ({@code System.nanoTime()}), once; the door ends it as an interrupted stream ({@link #abort} with the reason), so
   * what was received stays for a resume. Returns whether it asked.
   */
  boolean stopIfStalled(long now, java.time.Duration timeout) {
    StallStop stop = onStall;
    if (stop == null || stallStopped || now - lastActive < timeout.toNanos()) {
      return false;
    }
    stallStopped = true;
    String spoken = dev.sealdrop.server.core.Durations.spoken(timeout);
    UploadService.LOG.warn("upload {} by '{}' ({}) stopped at {} bytes: its client sent nothing for {}"
        + " (upload-stall-timeout)", upload.id(), caller.identity(), caller.origin().door(), received, spoken);
    stop.stop(new dev.sealdrop.server.core.UnavailableException(Reason.UPLOAD_STALLED, "the upload stream of "
        + upload.id() + " was stopped by the server: its client sent nothing for " + spoken
        + " (upload-stall-timeout); " + (Origin.SFTP.equals(caller.origin().door())
            ? "an SFTP upload cannot be resumed, so what it sent was deleted: put the whole file again"
            : "what was received is kept: resume from GetUpload's offset (the CLI: run the same send again)")));
    return true;
  }

  /** {@link #append(byte[], int, int)} of all of {@code data}. */
  public void append(byte[] data) {
    append(data, 0, data.length);
  }

  /**
   * Validates and stores the next bytes, {@code data[off, off+len)}; refuses as soon as they cannot be
   * the caller's envelope, or the caller may no longer act, or the server was locked down. A refusal
   * ends the session. The bytes are read (copied where they are kept) before this returns: no
   * reference to {@code data} is kept, so a door may pass a buffer it reuses or does not own.
   */
  public void append(byte[] data, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, data.length);
    checkOpen();
    lastActive = System.nanoTime();
    if (len == 0) {
      return;
    }
    try {
      service.gate.check("uploading");
      identity.check();
      if (received + len > service.policy.maxUploadBytes()) {
        throw refuseForGood(service.tooLargeWhileStreaming(received));
      }
      if (received + len > spaceCheckedUpTo) {
        service.requireSpace(upload.id(), caller.origin().door(), len + UploadService.SPACE_CHECK_BYTES);
        spaceCheckedUpTo = received + len + UploadService.SPACE_CHECK_BYTES;
      }
      // counted before the bytes are written: what is kept for a resume stays within the quota
      quota.add(len);
      inspect(data, off, len);
      writer.write(data, off, len);
      received += len;
      sinceCheckpoint += len;
      if (sinceCheckpoint >= service.policy.checkpointBytes()) {
        checkpointInBackground();
      }
    } catch (IOException e) {
      UncheckedIOException failure = new UncheckedIOException("upload " + upload.id() + ": cannot write to disk", e);
      abort(failure);
      throw failure;
    } catch (RuntimeException e) {
      abort(e);
      throw e;
    }
  }

  /**
   * Makes what was written so far durable and its offset recorded, off this thread. If the background checkpoint is
   * still running, this one is handed to it to run next (the latest such one wins): a checkpoint due while another ran
   * was skipped until the next write, so that a stream whose last bytes came during a slow fsync, then paused, kept
   * only the first checkpoint's offset until it ended; a crash then lost everything after it.
   */
  private void checkpointInBackground() throws IOException {
    if (pendingCheckpoint.isDone()) {
      awaitCheckpoint(); // rethrows its failure
    }
    // the owner's files and idle uploads, re-read once per checkpoint (a query): purges make room
    quota.refresh();
    sinceCheckpoint = 0;
    Progress progress = new Progress(inspectionProgress()); // here: the inspector is this thread's
    synchronized (checkpointHandOver) {
      if (checkpointRunning) {
        nextCheckpoint = progress;
        return;
      }
      checkpointRunning = true;
    }
    java.util.concurrent.Future<?> previous = pendingCheckpoint; // it may be past its last hand-over, not yet done
    try {
      pendingCheckpoint = service.checkpoints.submit(() -> checkpointsFrom(progress, previous));
    } catch (java.util.concurrent.RejectedExecutionException | Error e) {
      // no thread for it (a thread the machine could not start: an Error): none runs, so none is running
      synchronized (checkpointHandOver) {
        checkpointRunning = false;
      }
      if (e instanceof Error error) {
        throw error;
      }
      throw new IOException("no thread to checkpoint upload " + upload.id() + " on: " + e.getMessage(), e);
    }
  }

  /**
   * The background checkpoint's task: once {@code previous} is done (its failure rethrown), {@code first}, then each
   * handed over until none is. A failure drops what was handed over; the stream learns of it at its next checkpoint.
   */
  private Void checkpointsFrom(Progress first, java.util.concurrent.Future<?> previous) throws Exception {
    Progress next = first;
    try {
      try {
        previous.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
      while (next != null) {
        checkpoint(next.bytes());
        synchronized (checkpointHandOver) {
          next = nextCheckpoint;
          nextCheckpoint = null;
          checkpointRunning = next != null; // false: the stream starts the next task itself
        }
      }
      return null;
    } catch (Exception | Error e) {
      synchronized (checkpointHandOver) {
        nextCheckpoint = null;
        checkpointRunning = false;
      }
      throw e;
    }
  }

  /** An inspection's progress to record with a checkpoint's offset (its bytes null before the header is whole). */
  private record Progress(byte[] bytes) {
  }

  /** Waits for the background checkpoint, if any; rethrows its failure. */
  private void awaitCheckpoint() throws IOException {
    try {
      pendingCheckpoint.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while making upload " + upload.id() + " durable");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(c);
    }
  }

  private void inspect(byte[] data, int off, int len) {
    try {
      inspector.update(data, off, len);
    } catch (EnvelopeException e) {
      throw reject(Reason.ENVELOPE_MALFORMED, "the upload is not a sealdrop envelope (" + e.getMessage()
          + "); seal the file with the sealdrop CLI and upload the result");
    }
    checkHeader();
  }

  /** Once the header is whole: it must be the caller's, under the signing key the caller published. */
  private void checkHeader() {
    if (!headerChecked && inspector.header().isPresent()) {
      headerChecked = true;
      HeaderInfo header = inspector.header().get();
      if (!header.senderIdentity().equals(caller.identity())) {
        throw reject(Reason.ENVELOPE_SENDER_MISMATCH, "the envelope declares another sender than you ('"
            + caller.identity() + "'); seal it with your own identity and keys");
      }
      if (!header.senderKeyFingerprint().equals(senderKey.fingerprint())) {
        throw reject(Reason.ENVELOPE_SENDER_MISMATCH, "the envelope is signed with key " + header.senderKeyFingerprint()
            + ", not your published key " + senderKey.fingerprint() + "; publish your current bundle or reseal");
      }
    }
  }

  /**
   * Fsyncs what was written so far and records it as the offset a resume starts from, with {@code progress}: the
   * inspection's as it was before the sync began, which covers no byte the sync does not.
   */
  private void checkpoint(byte[] progress) throws IOException {
    long durable = writer.sync();
    service.uploads.recordOffset(upload.id(), durable, progress, service.clock.instant());
  }

  /** How far the inspection got ({@link EnvelopeInspector#progress}); null before the header is whole. */
  private byte[] inspectionProgress() {
    return inspector.progress().orElse(null);
  }

  /**
   * Verifies the complete envelope, makes it durable, renames it into place, then commits its row;
   * audited as {@code upload.commit}. A refusal ends the session (audited as {@code upload.abort}).
   */
  public StoredFile finish() {
    checkOpen();
    StoredFile file;
    try {
      service.gate.check("uploading");
      identity.check();
      file = commit();
    } catch (RuntimeException e) {
      abort(e);
      throw e;
    }
    audited = true;
    service.audit.record(caller, "upload.commit", "file:" + file.id(), "ok",
        Map.of("upload-id", upload.id(), "file-id", file.id()));
    return file;
  }

  private StoredFile commit() {
    InspectionResult result;
    try {
      result = inspector.finish(senderKey);
    } catch (UntrustedSenderException e) {
      throw reject(Reason.ENVELOPE_SENDER_MISMATCH, "the envelope's signing key is not your published key; reseal it");
    } catch (BadSignatureException e) {
      throw reject(Reason.ENVELOPE_BAD_SIGNATURE, "the envelope's trailer signature does not verify against your"
          + " published signing key; the envelope was truncated, modified, or sealed with other keys");
    } catch (dev.sealdrop.envelope.TamperedPayloadException e) {
      // the server holds no content key and authenticates no chunk: the stream ended too short for its last chunk
      // and trailer (round AF: it was told "chunk 0 failed authentication; file corrupted or tampered with")
      throw reject(Reason.ENVELOPE_MALFORMED, "the envelope is incomplete (it ends before its last chunk and the"
          + " sender's signature are whole: it was cut short); " + cutShortAdvice());
    } catch (EnvelopeException e) {
      throw reject(Reason.ENVELOPE_MALFORMED, "the envelope is incomplete or malformed (" + e.getMessage()
          + "); " + cutShortAdvice());
    }
    try {
      // outside the owner's lock below: the owner's other uploads need not wait for this file's disk
      awaitCheckpoint();
      writer.sync();
    } catch (IOException e) {
      throw notDurable(e);
    }
    // The quota check and the commit it allows are one step per owner: uploads finished at the same
    // moment each count the files the others committed (checked apart, all of them passed).
    StoredFile file = quota.commit(received, () -> {
      // again, uncached, right before the commit: the checks in finish() ran before the envelope's verification and
      // fsync, which take seconds for a large file, and a revocation or lockdown in between let the file commit after
      // the admin's act, while the client was told it was cut (outside test)
      identity.checkNow();
      // no commit lands after a lockdown's switch returned (round AE): checked and written within the switch's lock
      return service.gate.within("uploading", () -> writeCommitted(result));
    });
    UploadService.LOG.info("upload {} committed as file {} ({} bytes, fingerprint {}) by '{}'", upload.id(), file.id(),
        file.size(), file.fingerprint(), caller.identity());
    return file;
  }

  /**
   * Commits the verified, durable envelope's row, then renames the envelope into place. The row is written only while
   * its owner is enabled and the certificate it uploads with not revoked: an owner disabled or revoked (or its
   * certificate revoked) since the identity check before it has its upload closed as FAILED and its data deleted (round
   * AH: the file was committed after the admin's act had returned), and is told why. The row comes first (round BM: the
   * rename came first, and a commit the database refused, a full disk, left the envelope in {@code blobs/} with no row
   * and the upload OPEN without its data, so that every resume failed; a crash between the two deleted a complete
   * upload at the next start): a refused commit leaves the upload OPEN with its data, to resume; a crash after it is
   * finished by the next start ({@link UploadService#recover}).
   */
  private StoredFile writeCommitted(InspectionResult result) {
    Instant now = service.clock.instant();
    StoredFile committed = new StoredFile(Ids.next(UploadService.FILE_PREFIX), caller.identity(), result.size(),
        result.fingerprint(), result.header().recipientKeyFingerprints(), now);
    try {
      writer.close(); // synced by commit() before this step
      ended = true;
    } catch (IOException e) {
      throw notDurable(e);
    }
    boolean written;
    try {
      // the certificate it acts with now: over SFTP, a renewed one its key was bound to while this ran (review RO)
      written = service.uploads.commit(upload.id(), committed, now, identity.current().credential());
    } finally {
      releaseOnce();
    }
    if (written) {
      try {
        service.blobs.commit(upload.id(), committed.id());
        if (service.uploads.findFile(committed.id()).isEmpty()) {
          // purged by an admin between the row and the rename (round BN): its purge found no ciphertext to delete
          service.blobs.deleteBlob(committed.id());
        }
      } catch (IOException e) {
        if (movedIntoPlace(committed.id())) {
          // only a folder's fsync after the rename failed (round BN): the file is there; were the rename lost to a
          // crash, the next start would finish it from the row
          UploadService.LOG.warn("upload {}: committed as file {}; syncing its folders failed ({})", upload.id(),
              committed.id(), e.toString());
          return committed;
        }
        if (stillInTmp() && service.uploads.uncommit(upload.id(), committed.id(), service.clock.instant())) {
          // undone (review DD: the file was listed, every download of it FILE_DAMAGED, its abort record untrue): the
          // upload is OPEN again with all its data, which a resume commits
          UploadService.LOG.error("upload {}: its data could not be moved into place as file {} ({}); the commit was"
              + " undone and the upload is open again with all its data: a resume commits it once the data folder's"
              + " tmp/ and blobs/ take the rename", upload.id(), committed.id(), e.toString());
          throw new UncheckedIOException("upload " + upload.id() + ": its data could not be moved into place", e);
        }
        UploadService.LOG.error("upload {}: committed as file {}, but its data could not be moved into place ({});"
            + " the next start of the server finishes it", upload.id(), committed.id(), e.toString());
        throw new UncheckedIOException("upload " + upload.id() + ": committed as file " + committed.id() + ", but its"
            + " data could not be moved into place", e);
      }
    } else {
      UploadService.LOG.warn("upload {} from '{}' not committed: its owner, or its certificate, was disabled or revoked"
          + " meanwhile",
          upload.id(), caller.identity());
      service.deleteTempQuietly(upload.id()); // what is left, the next start's clean-up deletes
      closeFailed(); // (the quota's share is re-read as the commit's step ends)
      identity.checkNow(); // the refusal the caller is due
      throw new dev.sealdrop.server.core.UnauthenticatedException(Reason.IDENTITY_DISABLED, "identity '"
          + caller.identity() + "' was disabled while its upload " + upload.id() + " was being committed, so the"
          + " upload was refused and deleted; once an admin enables it again, upload the file again");
    }
    return committed;
  }

  /** Whether the blob of {@code fileId} is in place (asked only after its commit's rename step failed). */
  private boolean movedIntoPlace(String fileId) {
    try {
      return service.blobs.listBlobs().contains(fileId);
    } catch (IOException e) {
      return false;
    }
  }

  /** This upload's data is still where it was written (its rename into place did not happen). */
  private boolean stillInTmp() {
    try {
      // never listTemps() here: it deletes what is not an upload's data, audit exports in progress among them (review
      // DG), and is for the start alone
      return service.blobs.hasTemp(upload.id());
    } catch (IOException e) {
      return false;
    }
  }

  /** Ends this upload for a disk failure while it was being made durable. */
  private UncheckedIOException notDurable(IOException e) {
    end();
    return new UncheckedIOException("upload " + upload.id() + ": cannot make the file durable", e);
  }

  /**
   * What to do about an envelope that ended early. A gRPC upload keeps what it stored and resumes; an
   * SFTP upload cannot resume, and the door deletes a refused one, so its client must put the whole
   * file again (docs/sftp.md).
   */
  private String cutShortAdvice() {
    return Origin.SFTP.equals(caller.origin().door())
        ? "if the upload was cut short, put the whole file again (an SFTP upload cannot be resumed, and this one"
            + " was deleted), or reseal"
        : "if the envelope was cut short, upload the whole of it again as a new upload (a refused upload is deleted"
            + " and closed), or reseal";
  }

  /**
   * The stream broke or was cancelled, or the door closed it: what was received is fsynced and
   * becomes the resume offset. Audited as {@code upload.abort} with the reason the caller can no
   * longer go on (a lockdown, a revocation), or {@code interrupted}. Does nothing once ended.
   */
  public void interrupted() {
    abort(null);
  }

  /**
   * Ends the session because of {@code cause} (a refusal the door detected, e.g. a malformed
   * stream; null: interrupted): keeps what is durable for a resume, and audits {@code upload.abort}
   * once. Does nothing if the session already ended and was audited.
   */
  public void abort(RuntimeException cause) {
    if (audited) {
      return;
    }
    if (!ended) {
      try {
        try {
          awaitCheckpoint();
        } catch (java.io.InterruptedIOException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          // an earlier checkpoint's failure (a busy or full database, passed since?): this one is still tried, or the
          // offset a resume starts from stays where that one left it (review EN). A failed write or fsync fails this
          // one too: the writer keeps it (review EQ: a second fsync succeeds though the first one's bytes were lost)
          UploadService.LOG.warn("upload {}: an earlier checkpoint failed: {}", upload.id(), e.toString());
        }
        checkpoint(inspectionProgress());
        UploadService.LOG.info("upload {}: stream ended; {} bytes durable", upload.id(), received);
      } catch (IOException | RuntimeException e) {
        UploadService.LOG.warn("upload {}: cannot record progress after interruption: {}", upload.id(), e.toString());
      }
    }
    end();
    audited = true;
    service.audit.record(caller, "upload.abort", "upload:" + upload.id(),
        cause == null ? whyInterrupted() : Audit.resultOf(cause instanceof SealdropException s
            ? identity.asItStands(s) : cause), // a revocation as the identity's or the certificate's (round DA)
        Map.of("upload-id", upload.id(), "received", Long.toString(received)));
  }

  /**
   * Ends the session for a door whose clients cannot resume an upload (SFTP): instead of keeping
   * what was received for a resume until the abandoned-upload expiry (where it would count against
   * the owner's quota for a day), the upload is closed as FAILED and its temporary data deleted now.
   * Audited as {@code upload.abort}, as {@link #interrupted} is, unless its end was audited already:
   * after a refusal that kept the data for a resume ({@link #abort}: a lockdown, a revocation, the
   * size limit or quota), that data is deleted now all the same. A committed upload is not touched.
   */
  public void discard() {
    boolean wasAudited = audited;
    end();
    if (closeFailed()) {
      service.deleteTempQuietly(upload.id());
      quota.refresh();
      UploadService.LOG.info("upload {}: stream ended without finishing; its {} bytes were deleted (not resumable"
          + " through this door)", upload.id(), received);
    }
    if (!wasAudited) {
      audited = true;
      service.audit.record(caller, "upload.abort", "upload:" + upload.id(), whyInterrupted(),
          Map.of("upload-id", upload.id(), "received", Long.toString(received)));
    }
  }

  /** Why a stream that simply stopped was stopped: a lockdown or revocation if one applies now. */
  private String whyInterrupted() {
    try {
      service.gate.check("uploading");
      identity.checkNow();
      return Audit.INTERRUPTED;
    } catch (SealdropException e) {
      return Audit.resultOf(e);
    } catch (RuntimeException e) {
      return Audit.INTERRUPTED;
    }
  }

  private InvalidEnvelopeException reject(Reason reason, String message) {
    return refuseForGood(new InvalidEnvelopeException(reason, message));
  }

  /**
   * Ends an upload that can never be finished (its envelope is not the caller's, or has grown past
   * the per-file limit): closed as FAILED and its data deleted at once, so that it neither waits a
   * day for a resume that would be refused again nor counts against the owner's quota meanwhile.
   */
  private <E extends SealdropException> E refuseForGood(E refusal) {
    UploadService.LOG.warn("upload {} from '{}' refused: {}", upload.id(), caller.identity(), refusal.reason());
    end();
    closeFailed();
    service.deleteTempQuietly(upload.id());
    quota.refresh();
    return refusal;
  }

  /**
   * Closes the upload as FAILED; false if it was not OPEN. On a full disk the database cannot be written either: the
   * temporary data, which is what frees the space, is deleted all the same (the OPEN row left is closed at the next
   * start, as not resumable), and the failure is thrown.
   */
  private boolean closeFailed() {
    try {
      return service.uploads.close(upload.id(), UploadState.FAILED, service.clock.instant());
    } catch (RuntimeException e) {
      if (dev.sealdrop.server.core.StorageFull.of(e).isPresent()) {
        service.deleteTempQuietly(upload.id());
      }
      throw e;
    }
  }

  private void checkOpen() {
    if (ended) {
      throw new IllegalStateException("server: internal error: upload session already ended");
    }
  }

  private void end() {
    if (!ended) {
      ended = true;
      try {
        awaitCheckpoint(); // never close the file under a running fsync
      } catch (IOException | RuntimeException e) {
        UploadService.LOG.debug("upload {}: the last background checkpoint failed: {}", upload.id(), e.toString());
      }
      closeWriterQuietly();
    }
    quota.detach();
    releaseOnce();
  }

  /**
   * Gives the upload back to the service (its stream slot, its "a stream is attached" mark) once: a second call, say
   * after a commit that could not be made durable, must not free what a resume of the same upload took meanwhile.
   */
  private void releaseOnce() {
    if (released.compareAndSet(false, true)) {
      service.release(upload.id());
    }
  }

  private void closeWriterQuietly() {
    try {
      writer.close();
    } catch (IOException e) {
      UploadService.LOG.warn("upload {}: closing temporary data failed: {}", upload.id(), e.toString());
    }
  }
}
