package dev.sealdrop.server.core.grant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * Serves one claimed file from an offset, chunk by chunk. Before every chunk it re-checks the
 * claim and its grant (and, once a second, the caller's certificate and identity), so a revocation
 * or a passed window cuts the stream at once. When the last
 * byte has been handed out, the claim is marked fully served (the confirmation window starts).
 */
public final class DownloadSession implements AutoCloseable {
  private final GrantService service;
  private final Claim claim;
  private final Grant grant;
  private final SeekableByteChannel channel;
  private final dev.sealdrop.server.core.identity.LiveIdentityCheck identity;
  private long position;
  private boolean servedAllRecorded;

  private DownloadSession(GrantService service, Claim claim, Grant grant, SeekableByteChannel channel, long offset,
      dev.sealdrop.server.core.identity.LiveIdentityCheck identity) {
    this.service = service;
    this.identity = identity;
    this.claim = claim;
    this.grant = grant;
    this.channel = channel;
    this.position = offset;
    this.servedAllRecorded = claim.servedAllAt() != null;
  }

  static DownloadSession open(GrantService service, Claim claim, Grant grant, long offset,
      dev.sealdrop.server.core.identity.LiveIdentityCheck identity) {
    try {
      SeekableByteChannel ch = service.blobs.openBlob(grant.fileId());
      ch.position(offset);
      return new DownloadSession(service, claim, grant, ch, offset, identity);
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

  /** Fills {@code chunk} from the current position; returns the count, or -1 at the end. */
  public int next(byte[] chunk) {
    identity.check();
    service.checkServing(claim.hash());
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
      service.grants.markServedAll(claim.hash(), now, now.plus(service.policy.claimWindow()));
      servedAllRecorded = true;
      GrantService.LOG.info("download of grant {}: every byte served; awaiting confirmation", grant.id());
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      GrantService.LOG.warn("closing the stored file of grant {} failed: {}", grant.id(), e.toString());
    }
  }
}
