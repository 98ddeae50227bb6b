package dev.sealdrop.server.core.grant;

import dev.sealdrop.server.core.InvalidRequestException;
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
 * to the end was served, otherwise {@code download.abort} with the reason. Not thread-safe: one
 * caller at a time (the door's call or SFTP handle).
 */
public final class DownloadSession implements AutoCloseable {
  private final GrantService service;
  private final Principal caller;
  private final Claim claim;
  private final Grant grant;
  private final SeekableByteChannel channel;
  private final LiveIdentityCheck identity;
  private final long startOffset;
  private long position;
  private boolean servedAllRecorded;
  private RuntimeException failure;
  private boolean closed;

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

  String fileId() {
    return grant.fileId();
  }

  String claimHash() {
    return claim.hash();
  }

  /** The identity this download is served to. */
  String identity() {
    return caller.identity();
  }

  /** Fills {@code chunk} from the current position; returns the count, or -1 at the end. */
  public int next(byte[] chunk) {
    try {
      return read(chunk);
    } catch (RuntimeException e) {
      failure = e;
      throw e;
    }
  }

  /**
   * Moves to {@code offset} within the same claim (a client re-reading or reading out of order),
   * with the same checks as a chunk.
   */
  public void seek(long offset) {
    try {
      identity.check();
      service.checkServing(claim.hash());
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
    identity.check();
    service.checkServing(claim.hash());
    service.checkOwnerEnabled(grant, "downloaded");
    if (position >= grant.size()) {
      recordServedAll();
      return -1;
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, grant.size() - position));
      int total = 0;
      while (buf.hasRemaining()) {
        int n = channel.read(buf);
        if (n < 0) {
          throw new IOException("stored file is shorter than recorded");
        }
        total += n;
      }
      position += total;
      if (position >= grant.size()) {
        recordServedAll();
      }
      return total;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the stored file of grant " + grant.id(), e);
    }
  }

  private void recordServedAll() {
    if (!servedAllRecorded) {
      java.time.Instant now = service.clock.instant();
      if (!service.grants.markServedAll(claim.hash(), now, now.plus(service.policy.claimWindow()))) {
        // Settled, released or revoked since the check before this chunk: its last bytes are not
        // handed out, or the file would be delivered on a claim that never counts.
        throw GrantService.closedClaim(service.grants.findClaim(claim.hash()).orElseThrow(GrantService::purged));
      }
      servedAllRecorded = true;
      GrantService.LOG.info("download of grant {}: every byte served; awaiting confirmation", grant.id());
    }
  }

  /** Closes the stored file and audits the end of this download (once). */
  @Override
  public void close() {
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
    boolean complete = failure == null && position >= grant.size();
    Map<String, String> details = Map.of("grant-id", grant.id(), "file-id", grant.fileId(),
        "from", Long.toString(startOffset), "to", Long.toString(position));
    service.audit.record(caller, complete ? "download.complete" : "download.abort", "grant:" + grant.id(),
        complete ? "ok" : failure != null ? Audit.resultOf(failure) : whyInterrupted(), details);
  }

  /** Why a download that simply stopped was stopped: a lockdown, revocation or closed claim, if one applies. */
  private String whyInterrupted() {
    try {
      identity.checkNow();
      service.checkServing(claim.hash());
      return Audit.INTERRUPTED;
    } catch (SealdropException e) {
      return Audit.resultOf(e);
    } catch (RuntimeException e) {
      return Audit.INTERRUPTED;
    }
  }
}
