package dev.sealdrop.server.core.grant;

import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.LiveIdentityCheck;
import dev.sealdrop.server.core.identity.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.util.Map;

/**
 * Serves one claimed file from an offset, chunk by chunk. Before every chunk it re-checks the
 * claim, its grant, that the grant's owner is not disabled, and the lockdown switch (and, once a second, the caller's certificate and
 * identity), so a revocation, a lockdown or a passed window cuts the stream at once. When the last
 * byte has been handed out, the claim is marked fully served (the confirmation window starts).
 * {@link #close} audits how the download ended, once: {@code download.complete} when every byte up
 * to the end was served, otherwise {@code download.abort} with the reason. One caller at a time (the
 * door's call or SFTP handle) reads; the core's timer may stop it meanwhile ({@link #stopIfStalled}), so
 * reading, seeking and closing hold its monitor.
 *
 * <p>A download whose client takes nothing for {@link GrantPolicy#downloadStallTimeout} keeps a slot of
 * the server's few without using it: the core stops it ({@code DOWNLOAD_STALLED}) through what its door
 * gave to {@link #onStall}, and every later read fails with that reason. Nothing is used up: the claim
 * stays as it was.
 */
public final class DownloadSession implements AutoCloseable {
  /** How a door ends its download when the core stops it for stalling; called on the core's timer thread. */
  @FunctionalInterface
  public interface StallStop {
    void stop(SealdropException why);
  }

  private final GrantService service;
  private final Principal caller;
  private final Claim claim;
  private final Grant grant;
  private final SeekableByteChannel channel;
  private final LiveIdentityCheck identity;
  private final long startOffset;
  private long position;
  /**
   * Where the bytes handed out without a gap since {@link #startOffset} end, in whatever order they were read (round
   * AZ: the end read first, then the start, said the start alone had been served). For the audit record only: a claim
   * counts once its last bytes were handed out, in whatever order ({@link #recordServedAll}).
   */
  private long reached;
  private final ServedRanges served = new ServedRanges();
  /** The end of the furthest bytes handed out (the audit's {@code to}; {@link #reached} if there was no gap). */
  private long furthest;
  /** The stored file was found damaged, and logged so, once. */
  private final java.util.concurrent.atomic.AtomicBoolean damageLogged = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile boolean servedAllRecorded;
  private boolean servingRecorded;
  private RuntimeException failure;
  private boolean closed;
  /** System.nanoTime() of the client's last request for bytes (a chunk, a seek, a door's read request). */
  private volatile long lastActive = System.nanoTime();
  private volatile StallStop onStall;
  /** Set when the core stopped this download for stalling: every later read fails with it. */
  private volatile SealdropException stalled;
  /**
   * When the claim is next to be kept open (half a window before its end, on the service's clock), as the last check
   * of it said; null until the first check, or after a check that failed (the next chunk's check says why).
   */
  private volatile java.time.Instant keepOpenAt;

  private DownloadSession(GrantService service, Principal caller, Claim claim, Grant grant,
      SeekableByteChannel channel, long offset, LiveIdentityCheck identity) {
    this.service = service;
    this.caller = caller;
    this.identity = identity;
    this.claim = claim;
    this.grant = grant;
    this.channel = channel;
    this.startOffset = offset;
    this.position = offset;
    this.reached = offset;
    this.furthest = offset;
    this.servedAllRecorded = claim.servedAllAt() != null;
  }

  static DownloadSession open(GrantService service, Principal caller, Claim claim, Grant grant, long offset,
      LiveIdentityCheck identity) {
    try {
      SeekableByteChannel ch = service.blobs.openBlob(grant.fileId());
      ch.position(offset);
      DownloadSession session = new DownloadSession(service, caller, claim, grant, ch, offset, identity);
      service.serving.add(session);
      return session;
    } catch (java.nio.file.NoSuchFileException e) {
      throw damaged(service, claim, grant, "is missing from the server's storage", true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the stored file of grant " + grant.id(), e);
    }
  }

  public long size() {
    return grant.size();
  }

  public long position() {
    return position;
  }

  public String grantId() {
    return grant.id();
  }

  /** What this download serves, as a door registers it to be cut with its grant ({@code LiveSessions}). */
  public dev.sealdrop.server.core.identity.LiveSessions.Download served() {
    return new dev.sealdrop.server.core.identity.LiveSessions.Download(grant.id(), grant.fileId(), grant.owner(),
        claim.hash());
  }

  /**
   * Registers this download with {@code sessions} through its door's {@code closer}, so that an admin's act on its
   * grant, file or sender (a revocation, a purge, a disable) cuts it at once, even while its client is not reading. An
   * act that took effect after this download passed its checks and before this registration closed only the downloads
   * registered then: this one is cut now, with the act's cause (a paused SFTP handle or a stalled stream would
   * otherwise hold its slot until the stall timeout). Registered first and checked after, nothing falls between.
   */
  public dev.sealdrop.server.core.identity.LiveSessions.Registration register(
      dev.sealdrop.server.core.identity.LiveSessions sessions, dev.sealdrop.server.core.identity.LiveSessions.Closer
          closer) {
    // it follows its caller: a certificate's revocation cuts it only if its caller acts with that one still (review RO)
    dev.sealdrop.server.core.identity.LiveSessions.Registration r = sessions.registerDownload(caller, served(),
        identity::checkNow, closer);
    try {
      service.checkServing(claim.hash());
      service.checkOwnerEnabled(grant, "downloaded");
    } catch (SealdropException e) {
      if (ACTS_CUT.contains(e.reason())) {
        sessions.close(r, e.reason(), e.getMessage());
      }
      // anything else (a claim that ran out) is refused by the next chunk's check, as for any download
    } catch (RuntimeException e) {
      // the store failed this look (a database error): the download stays registered, to be ended by its door and
      // checked again at its next chunk, as any download is (review DD: the failure escaped after the registration,
      // and the download's slot, file and registration stayed taken until a restart)
      GrantService.LOG.warn("download of grant {} by '{}': its registration's check failed ({}); its next chunk checks"
          + " again", grant.id(), caller.identity(), e.toString());
    }
    return r;
  }

  /**
   * The causes an admin's act cuts registered downloads for ({@code LiveSessions#closeDownloads}, and a lockdown's
   * {@code closeTransfers}: an SFTP handle's download is its only transfer registration; review CQ).
   */
  private static final java.util.Set<dev.sealdrop.server.core.Reason> ACTS_CUT = java.util.EnumSet.of(
      dev.sealdrop.server.core.Reason.GRANT_REVOKED, dev.sealdrop.server.core.Reason.GRANT_SUSPENDED,
      dev.sealdrop.server.core.Reason.FILE_PURGED, dev.sealdrop.server.core.Reason.LOCKED_DOWN);

  String fileId() {
    return grant.fileId();
  }

  /** The grant's sender. */
  String owner() {
    return grant.owner();
  }

  String claimHash() {
    return claim.hash();
  }

  /** The identity this download is served to. */
  String identity() {
    return caller.identity();
  }

  /**
   * How the door ends this download if the core stops it for stalling ({@link #stopIfStalled}). A download
   * whose door gave none is never stopped that way.
   */
  public void onStall(StallStop stop) {
    onStall = java.util.Objects.requireNonNull(stop, "stop");
  }

  /**
   * The client asked for bytes: a door calls this for requests it serves from its own read-ahead, so that a
   * slow but reading client is not taken for a stalled one ({@link #next} and {@link #seek} count by themselves).
   */
  public void active() {
    lastActive = System.nanoTime();
    java.time.Instant due = keepOpenAt;
    if (due != null && !service.clock.instant().isBefore(due)) {
      keepOpen();
    }
  }

  /**
   * A door serving a slow client from its read-ahead asks the core for a chunk less often than the claim window
   * may last (1 MiB at 25 KB/s is 40 s): its client's requests keep the claim open as the chunks' checks do. A check
   * that fails here changes nothing: the next chunk's check refuses it with the reason, as for any door.
   */
  private synchronized void keepOpen() {
    if (closed || servedAllRecorded) {
      keepOpenAt = null;
      return;
    }
    try {
      keepOpenAt = service.checkServingAndKeepOpen(claim.hash());
    } catch (SealdropException e) {
      keepOpenAt = null;
    }
  }

  /**
   * Stops this download if its client has asked for nothing for {@code timeout} until {@code now}
   * ({@code System.nanoTime()}): marks it stalled, then lets its door end it (on this thread, holding no lock of
   * this session's, since the door's own lock comes first where the door reads). Returns whether it was stopped.
   */
  boolean stopIfStalled(long now, java.time.Duration timeout) {
    StallStop stop = onStall;
    if (stop == null || stalled != null || now - lastActive < timeout.toNanos()) {
      return false;
    }
    SealdropException why;
    synchronized (this) {
      if (closed || stalled != null) {
        return false;
      }
      why = new dev.sealdrop.server.core.UnavailableException(Reason.DOWNLOAD_STALLED, "the download of grant "
          + grant.id() + " was stopped by the server: its client took nothing for " + dev.sealdrop.server.core.Durations.spoken(timeout)
          + " (download-stall-timeout), so it gave the slot to others; " + (servedAll()
              ? "every byte had been sent, so the download counts: verify the file you have and confirm it"
              : "nothing is used up"));
      stalled = why;
    }
    if (servedAll()) {
      // its client may still be taking in what it asked for ahead (OpenSSH asks for up to 2 MiB): not a stall
      GrantService.LOG.info("download of grant {} by '{}' ({}): every byte was served and its client asked for nothing"
          + " more for {}; its slot is freed (download-stall-timeout)", grant.id(), caller.identity(),
          caller.origin().door(), dev.sealdrop.server.core.Durations.spoken(timeout));
    } else {
      GrantService.LOG.warn("download of grant {} by '{}' ({}) stopped at {} of {} bytes: its client took nothing for"
          + " {} (download-stall-timeout)", grant.id(), caller.identity(), caller.origin().door(), position,
          grant.size(), dev.sealdrop.server.core.Durations.spoken(timeout));
    }
    stop.stop(why);
    return true;
  }

  /**
   * Whether the file's last bytes have been handed out on this claim (under this session's monitor, or by its reader):
   * then it counts, in whatever order the bytes went. A client that read the end first and then the rest, or only the
   * end, was not counted and its claim was given back, so the whole file could be had again and again under new claims
   * of a one-download grant (outside test); protocol.md §5: the last bytes are never handed out on a claim that is
   * released. The gRPC door's downloads always counted so.
   */
  public boolean servedAll() {
    return servedAllRecorded;
  }

  /**
   * Where the file's ciphertext ends: the bytes past it are the last chunk's tag and the trailer, which hold none (AES-GCM
   * decrypts without its tag, and each chunk opens on its own). Handing out the bytes up to here counts the claim.
   */
  /**
   * Whether this download was recorded as delivering its file and has handed out every byte that counts: what is left,
   * if anything, is the last chunk's tag and the signature, which go out whatever happens since.
   */
  public synchronized boolean handedOutAllThatCounts() {
    return servedAllRecorded && position >= ciphertextEnd();
  }

  public long ciphertextEnd() {
    return grant.size() - dev.sealdrop.envelope.Envelope.TAIL_WITHOUT_CIPHERTEXT_BYTES;
  }

  private void checkNotStalled() {
    SealdropException s = stalled;
    if (s != null) {
      throw s;
    }
    lastActive = System.nanoTime();
  }

  /** Fills {@code chunk} from the current position; returns the count, or -1 at the end. */
  public synchronized int next(byte[] chunk) {
    try {
      return read(chunk);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  /**
   * A door read {@code [from, to)} ahead for its client, which then asked for other bytes or closed: those bytes were
   * not handed out, and this download's record of what it served (its end's audit record: how far it ran, and where
   * the bytes without a gap end) leaves them out (round CZ: an SFTP client that read 1000 bytes at each MiB was
   * recorded as served the whole file without a gap). The file's last bytes are never read ahead, so this never takes
   * back what counts the claim.
   */
  public synchronized void notHandedOut(long from, long to) {
    if (to <= from || servedAllRecorded && to > ciphertextEnd()) {
      return;
    }
    served.remove(from, to);
    reached = served.runFrom(startOffset);
    if (to >= furthest) {
      furthest = Math.max(startOffset, Math.max(from, served.end(startOffset)));
    }
  }

  /**
   * Moves to {@code offset} within the same claim (a client re-reading or reading out of order),
   * with the same checks as a chunk.
   */
  public synchronized void seek(long offset) {
    try {
      checkNotStalled();
      identity.check();
      keepOpenAt = service.checkServingAndKeepOpen(claim.hash());
      if (offset < 0 || offset > grant.size()) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST,
            "offset " + offset + " is outside the file (0 to " + grant.size() + ")");
      }
      channel.position(offset);
      position = offset;
    } catch (IOException e) {
      failure = new UncheckedIOException("cannot read the stored file of grant " + grant.id(), e);
      throw failure;
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  private int read(byte[] chunk) {
    boolean tail = handedOutAllThatCounts();
    if (tail && position >= grant.size()) {
      // every byte was handed out already: the end of the file reveals nothing, whatever happened since (a
      // lockdown, a disable), and the claim's confirmation still works, so its reader is not told to re-run it
      return -1;
    }
    if (!tail) {
      // the rest of a file recorded as delivered (the last tag and the signature) goes out whatever happened since, as
      // its end does (review RG: a lockdown refused those 80 bytes, and the download counted without them)
      checkNotStalled();
      identity.check();
      keepOpenAt = service.checkServingAndKeepOpen(claim.hash());
      service.checkOwnerEnabled(grant, "downloaded");
    }
    if (position >= grant.size()) {
      if (reached >= grant.size()) {
        recordServedAll();
      }
      return -1;
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, grant.size() - position));
      int total = 0;
      while (buf.hasRemaining()) {
        int n = channel.read(buf);
        if (n < 0) {
          // its real length, not where this read was asked to start (round AI: an SFTP client's read-ahead logged
          // lengths past the file's end, once per read in flight)
          String what = "ends after " + storedLength(position + total) + " of its " + grant.size() + " bytes";
          throw damaged(service, claim, grant, what, damageLogged.compareAndSet(false, true));
        }
        total += n;
      }
      if (position + total >= ciphertextEnd()) {
        // these bytes end the file's ciphertext, or lie in the last chunk's tag or the trailer after it, which hold
        // none (AES-GCM decrypts without its tag, and each chunk opens on its own): recorded before they are returned,
        // or refused if the claim closed meanwhile. A client reading all but the signature (or all but the tag too)
        // had the whole plaintext, yet its claim was given back (outside tests). Any line leaves what lies before it
        // readable: the interrupted claims' count is what bounds a holder who stops short of it
        recordServedAll();
      }
      recordServing();
      served.add(position, position + total);
      reached = served.runFrom(startOffset);
      position += total;
      furthest = Math.max(furthest, position);
      return total;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored file of grant " + grant.id(), e);
    }
  }

  /**
   * The grant's stored file is missing or cut short ({@code what}): lost or altered on the server's disk, so no retry
   * can serve it. Logged for the operator, who must restore it (the path is the blob store's, by file id); the caller
   * is told that nothing was used up.
   */
  /** The stored file's length now, or {@code atLeast} if it cannot be read. */
  private long storedLength(long atLeast) {
    try {
      return channel.size();
    } catch (IOException e) {
      return atLeast;
    }
  }

  /** {@code log}: the first time for this download (later reads of it are refused alike, without a line each). */
  private static PreconditionFailedException damaged(GrantService service, Claim claim, Grant grant, String what,
      boolean log) {
    // the server's fault, not the holder's: the bytes handed out on this claim do not make its release (which the
    // client makes next) an interrupted claim (outside test: three tries at a damaged file used a one-time grant up)
    service.grants.forgetServing(claim.hash());
    if (log) {
      GrantService.LOG.error("the stored file {} of grant {} {}: it cannot be downloaded; restore it from a backup or"
          + " purge it (`sealdrop admin files purge {}`)", grant.fileId(), grant.id(), what, grant.fileId());
    }
    return new PreconditionFailedException(Reason.FILE_DAMAGED, "the stored file of grant " + grant.id() + " " + what
        + ": it is damaged on the server and cannot be downloaded; nothing was used up. Tell its sender ("
        + grant.owner() + ") and the server's operator, who must restore it; or the sender sends it again");
  }

  /**
   * Records on the claim, before its first bytes are returned, that bytes were handed out on it: if it is given back
   * unfinished, it counts as one of its grant's interrupted claims ({@link GrantRepository#INTERRUPTED_CLAIMS_PER_DOWNLOAD}).
   * Once per session (a resumed download's session writes it again; the store keeps the first time).
   */
  private void recordServing() {
    if (!servingRecorded) {
      if (!service.grants.markServing(claim.hash(), service.clock.instant()) && !servedAllRecorded) {
        // ended since this chunk's check (replaced by a redeem again, released, revoked): its bytes stay here. Not once
        // these bytes were recorded as the file's last (markServedAll, on the OPEN claim): the download counts from
        // then, and a revoke or purge in between counted it, so they go out (review BQ)
        throw GrantService.closedClaim(service.grants.findClaim(claim.hash()).orElseThrow(GrantService::purged));
      }
      servingRecorded = true;
    }
  }

  private void recordServedAll() {
    if (!servedAllRecorded) {
      java.time.Instant now = service.clock.instant();
      // authenticated now, not as at the last chunk's check (up to a second ago): over SFTP a renewal may have moved
      // the caller to another certificate since, and the old one's revocation be written already (review RR: refused
      // as "the claim window has passed"); a caller refused now is told why
      identity.checkNow();
      if (!service.markServedAll(claim.hash(), identity.current().credential(), now, now.plus(service.policy.claimWindow()),
          () -> servedAllRecorded = true)) {
        // Settled, released or revoked since the check before this chunk: its last bytes are not
        // handed out, or the file would be delivered on a claim that never counts. Or, the claim still open, its
        // owner was disabled since: suspended, as the disable counted it (review EF; a revocation closed the claim
        // and is told as such: review EJ); or its recipient was disabled, or the certificate revoked, since the
        // stream last checked it (review RC): told as such
        Claim current = service.grants.findClaim(claim.hash()).orElseThrow(GrantService::purged);
        if (current.state() == ClaimState.OPEN) {
          service.checkOwnerEnabled(grant, "downloaded");
          identity.checkNow();
        }
        throw GrantService.closedClaim(current);
      }
      servedAllRecorded = true;
      if (dev.sealdrop.server.core.identity.Origin.GRPC.equals(caller.origin().door())) {
        service.awaitConfirmation(claim.hash()); // an SFTP download is confirmed by its own CLOSE
      }
      GrantService.LOG.info("download of grant {}: every byte served; awaiting confirmation", grant.id());
    }
  }

  /**
   * A door cut this download at once for {@code why} (a lockdown, a revocation: the core's act reached the door, not
   * a chunk's check): it ends now, its slot is freed and its end audited with that cause, whatever changes before its
   * client reads again (a lockdown lifted meanwhile). A download served to the last byte ends as complete.
   */
  public synchronized void cut(SealdropException why) {
    if (!closed && failure == null && !servedAllRecorded) {
      // a revocation's cut is recorded as the identity's or the certificate's, as it stands (round DA)
      failure = identity.asItStands(java.util.Objects.requireNonNull(why, "why"));
    }
    close();
  }

  /** Closes the stored file and audits the end of this download (once). */
  @Override
  public synchronized void close() {
    service.ended(this);
    try {
      channel.close();
    } catch (IOException e) {
      GrantService.LOG.warn("closing the stored file of grant {} failed: {}", grant.id(), e.toString());
    }
    if (closed) {
      return;
    }
    closed = true;
    // this download handed out the bytes that count (the rest of the file is the tag and trailer)
    boolean complete = failure == null && (furthest >= grant.size() || servedAllRecorded);
    Map<String, String> details = new java.util.TreeMap<>(Map.of("grant-id", grant.id(), "file-id", grant.fileId(),
        "from", Long.toString(startOffset), "to", Long.toString(furthest)));
    if (reached < furthest) {
      details.put("gap-free-to", Long.toString(reached)); // read out of order: where the bytes without a gap end
    }
    service.audit.record(caller, complete ? "download.complete" : "download.abort", "grant:" + grant.id(),
        complete ? "ok" : failure != null ? Audit.resultOf(failure) : stalled != null ? Audit.resultOf(stalled)
            : whyInterrupted(), details);
  }

  /**
   * Why a download that simply stopped was stopped: a lockdown, revocation, closed claim or disabled sender, if one
   * applies (a door that cut it at once, as the SFTP door does, never read the chunk whose check would have said so).
   */
  private String whyInterrupted() {
    try {
      identity.checkNow();
      service.checkServing(claim.hash());
      if (!service.ownerEnabled(grant)) {
        return Audit.token(Reason.GRANT_SUSPENDED);
      }
      return Audit.INTERRUPTED;
    } catch (SealdropException e) {
      return Audit.resultOf(e);
    } catch (RuntimeException e) {
      return Audit.INTERRUPTED;
    }
  }
}
