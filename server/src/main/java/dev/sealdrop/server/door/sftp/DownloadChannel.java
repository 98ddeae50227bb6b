package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.GrantUnavailableException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.UnavailableException;
import dev.sealdrop.server.core.grant.DownloadSession;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.Redemption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /redeem/TOKEN opened for reading: a won redemption streamed through the core's
 * {@link DownloadSession}, which re-checks the grant before every chunk (a revocation cuts it).
 *
 * <p>When it counts: an SFTP client cannot report a verified fingerprint as the gRPC client does,
 * so the door confirms on the client's behalf exactly when the client has been served every byte
 * <em>and</em> closes the handle with SSH_FXP_CLOSE (a complete, orderly transfer). A transfer that
 * ends before that does not confirm: a claim that was served every byte counts when its window
 * passes (the core's rule); one that was not is released at once, so the grant can be redeemed
 * again right away.
 */
final class DownloadChannel extends TransferChannel {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadChannel.class);
  private final Login login;
  private final GrantService grants;
  private final Redemption redemption;
  private final DownloadSession download;
  private long position;
  private boolean servedAll;
  /** The ranges {@link #read} handed to the client ({@link #handedOutWhole}). */
  private final dev.sealdrop.server.core.grant.ServedRanges handedOut = new dev.sealdrop.server.core.grant.ServedRanges();
  /** Set when the core cut this download (a lockdown): every later read fails with it. */
  private volatile IOException cut;
  /** Why the core cut this download, if it did. */
  private volatile Reason cutFor;
  /** Set when the core stopped this download for stalling: its claim was settled then, not at {@link #end}. */
  private volatile boolean stalled;
  /** Whether any byte was handed to the client (read by the core's timer thread when it stops the download). */
  private volatile boolean handedAny;
  /** Read-ahead from the core: {@code buffer[ahead, aheadEnd)} holds the bytes at {@link #position}. */
  private byte[] buffer = new byte[0];
  private int ahead;
  private int aheadEnd;
  /** Bytes read from the core per grant re-check (OpenSSH asks for 32 KiB per request). */
  static final int READ_AHEAD = 1 << 20;

  DownloadChannel(Login login, GrantService grants, Redemption redemption, DownloadSession download) {
    this.login = login;
    this.grants = grants;
    this.redemption = redemption;
    this.download = download;
    download.onStall(this::stalled);
  }

  /**
   * The core stopped this download (on its timer's thread): the client, its handle still open, took nothing for
   * the stall timeout. Its slot is freed now, not when the client closes the handle or its session ends, and
   * its claim given back unless every byte was served (then a CLOSE still confirms it, as for a cut one);
   * every later read fails with the reason.
   */
  private void stalled(dev.sealdrop.server.core.SealdropException why) {
    stalled = true;
    // on the core's timer thread: the read-ahead belongs to the SFTP thread, which may be in read() now (review of
    // round CZ's fix), so it is left alone here; this download's record may count up to one read-ahead more
    if (download.servedAll()) {
      // every byte was handed out: only the slot is freed; the client's read at the end and its CLOSE, which confirms,
      // still work (outside test: they failed, told "nothing is used up"); a read below the end no longer does, not
      // even from the read-ahead, which no lockdown, revoke or lapse reaches from now on (review RO: a client that read
      // the last bytes first, then the start, was served up to 1 MiB more after its stop)
      // (its own words: the stall's message for a download served to the end speaks of a file the client has, which
      // one reading below the end has not: review RP)
      cut = SftpErrors.toIo(new dev.sealdrop.server.core.UnavailableException(why.reason(), "the download of grant "
          + redemption.grant().id() + " was stopped by the server: its client took nothing for the stall timeout"
          + " (download-stall-timeout), so it gave the slot to others; the file's last bytes had been handed out on its"
          + " claim, so it counts as one of the grant's downloads, and the bytes this handle had not read can no longer"
          + " be read on it"));
      download.close();
      return;
    }
    // refused from now on (the reads that come while the claim is given back too), then told what became of it
    cut = SftpErrors.toIo(why);
    download.close();
    boolean usedUp = release(redemption.grant().id()).filter(g -> g.state() == GrantState.CONSUMED).isPresent();
    cut = SftpErrors.toIo(new dev.sealdrop.server.core.UnavailableException(why.reason(), usedUp
        // bytes were handed out on it, and it was the grant's third claim given back so (docs/protocol.md §5)
        ? why.getMessage().replace("; nothing is used up", "") + "; the claim was given back, but as the grant's third"
            + " claim given back after bytes of the file were handed out on it, it counts as one of its downloads:"
            + " the grant is used up"
        : handedAny
            // round CZ: "nothing is used up" for a claim that counts as interrupted (protocol.md §5: a grant's third
            // claim given back after bytes were handed out on it counts as one of its downloads)
            ? why.getMessage().replace("; nothing is used up", "") + "; the claim was given back: the grant can be"
                + " redeemed again, but as a claim given back after bytes of the file were handed out on it (a grant's"
                + " third such claim counts as one of its downloads)"
            : why.getMessage() + "; the claim was given back: the grant can be redeemed again"));
  }

  /**
   * The core cuts this download (called on an admin's thread): a lockdown, or its grant revoked, its
   * file purged, or the grant's sender disabled or revoked. No byte more is served, not even from
   * the read-ahead, and every later read fails with the reason, even if the client is stalled now
   * and reads again only later (after the lockdown was lifted, or the sender enabled again), as for
   * a gRPC download stream, which the lockdown closes. A download already served to the last byte
   * is still confirmed at CLOSE, as docs/admin.md allows for a lockdown; any other cut one is not.
   *
   * @return whether this counts as a transfer cut: for a lockdown or a grant's cut. An admin's
   *     disable or revocation of the downloader also reaches here (same identity) but counts and
   *     closes the SSH session the download belongs to ({@link LoginSessions}), so it is not counted
   *     twice.
   */
  boolean cut(Reason reason, String why) {
    if (stalled) {
      // the core stopped it already, for its stall, and its reads say so; giving its claim back reaches here too
      // (the claim's downloads are cut when it is released), which must not change what its client is told
      return false;
    }
    cutFor = reason;
    boolean grant = reason == Reason.GRANT_REVOKED || reason == Reason.GRANT_SUSPENDED;
    SealdropException e = grant ? new GrantUnavailableException(reason, why) : new UnavailableException(reason, why);
    cut = SftpErrors.toIo(e);
    boolean counts = (grant || reason == Reason.LOCKED_DOWN) && isOpen();
    // ended and audited now with this cause, its slot freed (outside test: a lockdown lifted before the client read
    // again was audited as `interrupted`, when the handle closed)
    download.cut(e);
    return counts;
  }

  /**
   * Drops the bytes read ahead that the client was not handed (it asked for other bytes, or closed), and tells the core
   * so: its record of what this download served must not count them (round CZ).
   */
  private void dropReadAhead() {
    if (aheadEnd > ahead) {
      // only what this client was never handed: it may have read some of those bytes before, out of order
      for (long[] gap : handedOut.gaps(position, position + (aheadEnd - ahead))) {
        download.notHandedOut(gap[0], gap[1]);
      }
    }
    ahead = aheadEnd = 0;
  }

  private void checkNotCut() throws IOException {
    IOException c = cut;
    if (c != null) {
      ahead = aheadEnd = 0;
      throw c;
    }
  }

  /**
   * Whether the client was handed the whole file, from its first byte to the end of its ciphertext, in whatever order:
   * what this door's CLOSE confirms on its behalf. The last bytes alone make a claim count but are no delivery (round
   * AZ: a client that read only the last 100 bytes and closed was confirmed); counted from what {@link #read} returned,
   * not from the read-ahead (round BB: one byte read at each MiB filled the read-ahead with the whole file).
   */
  private boolean handedOutWhole() {
    return handedOut.runFrom(0) >= download.ciphertextEnd();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!isOpen()) {
      throw new java.nio.channels.ClosedChannelException();
    }
    long size = download.size();
    if (position >= size && download.servedAll()) {
      // every byte was handed out: the end of the file reveals nothing, whatever cut the download since (a lockdown,
      // a disable), and CLOSE still confirms it, so its reader is not told to re-run a grant that counts (outside test)
      servedAll |= position == size && download.servedAll();
      return -1;
    }
    checkNotCut();
    download.active();
    if (position >= size) {
      return -1; // past the end the core has not reached: nothing to serve
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    int served = 0;
    while (served < want) {
      if (ahead == aheadEnd && !fill(want - served)) {
        break;
      }
      int k = Math.min(want - served, aheadEnd - ahead);
      dst.put(buffer, ahead, k);
      ahead += k;
      served += k;
    }
    if (served == 0) {
      servedAll = download.servedAll();
      return -1;
    }
    handedOut.add(position, position + served);
    handedAny = true;
    position += served;
    // the bytes that count were handed out (in whatever order; the tag and trailer after them need not be read): its
    // CLOSE confirms (outside test: a client that read all but the trailer was audited as interrupted, unconfirmed)
    servedAll = download.servedAll();
    return served;
  }

  /**
   * Reads the next chunk from the core (one grant re-check per chunk instead of one per 32 KiB
   * request). The chunks near the end of the file are read only as far as the client asked,
   * so the core records "every byte served" when the client's request for the last bytes is
   * served, never earlier.
   */
  private boolean fill(int requested) throws IOException {
    long remaining = download.size() - download.position();
    // the core counts the claim once the bytes that end the file's ciphertext are read (the tag and trailer after them
    // hold none): near there, only what the client asked for is read, never ahead of it
    int len = remaining <= READ_AHEAD + download.size() - download.ciphertextEnd()
        ? (int) Math.min(requested, remaining) : READ_AHEAD;
    if (buffer.length < READ_AHEAD) {
      buffer = new byte[READ_AHEAD];
    }
    byte[] target = len == buffer.length ? buffer : null;
    int n;
    if (target != null) {
      n = VirtualTree.core(() -> download.next(target));
    } else {
      byte[] exact = new byte[len];
      n = VirtualTree.core(() -> download.next(exact));
      if (n > 0) {
        System.arraycopy(exact, 0, buffer, 0, n);
      }
    }
    ahead = 0;
    aheadEnd = Math.max(n, 0);
    return n > 0;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition >= download.size() && download.servedAll()) {
      // the end of a file every byte of which was handed out: read answers end of file, whatever cut it since
      if (newPosition != position) {
        dropReadAhead();
        position = newPosition;
      }
      return this;
    }
    checkNotCut();
    if (newPosition == position) {
      return this;
    }
    if (newPosition < 0) {
      throw new SftpException(SftpConstants.SSH_FX_FAILURE, "negative offset");
    }
    dropReadAhead(); // out of sequence: the read-ahead is for another offset
    if (newPosition >= download.size()) {
      position = newPosition;
      return this;
    }
    // A re-read or out-of-order read within the same claim: the core checks it and moves there.
    VirtualTree.core(() -> {
      download.seek(newPosition);
      return null;
    });
    position = newPosition;
    return this;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public long size() {
    return download.size();
  }

  /** Refused as docs/sftp.md says writes outside /outbox/ are, with a reason (outside test: a bare "failure"). */
  @Override
  public int write(ByteBuffer src) throws IOException {
    throw new SftpException(SftpConstants.SSH_FX_PERMISSION_DENIED, "this handle reads a download; it cannot be"
        + " written (uploads go to /outbox/)");
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  void end(boolean closeRequested) throws IOException {
    dropReadAhead(); // before the core's record of the download is written
    download.close();
    String grantId = redemption.grant().id();
    if (stalled && !servedAll && !download.servedAll()) {
      return; // its claim was given back when the core stopped it
    }
    if (cutFor == Reason.FILE_PURGED) {
      // the purge deleted the grant and its claim: nothing is left to give back (or to confirm)
      LOG.info("SFTP download of grant {} ended after its file was purged", grantId);
      return;
    }
    if (closeRequested && servedAll && handedOutWhole()) {
      VirtualTree.core(() -> {
        try {
          grants.confirm(login.principal(), redemption.claimSecret(), redemption.grant().fingerprint());
          LOG.info("SFTP download of grant {} complete and closed; confirmed", grantId);
        } catch (SealdropException e) {
          if (e.reason() != Reason.GRANT_CONSUMED) {
            throw e;
          }
          // this claim's download counted already: its confirmation window passed while a client that had asked
          // for every byte ahead was still taking them in (a slow link), as a gRPC client is told "already counted"
          // (outside test: OpenSSH's sftp said "close remote: Permission denied" and exited 1 for a complete file)
          LOG.info("SFTP download of grant {} complete and closed; it had been counted already", grantId);
        }
        return null;
      });
    } else if (servedAll || download.servedAll()) {
      // the last bytes were handed out: the core counts it when the claim window passes (it cannot be released)
      // (position can lie past the end: a client reading ahead asks for offsets beyond it)
      LOG.info("SFTP download of grant {}: its last bytes were served, but {}; not confirmed (it counts when the claim"
          + " window passes)", grantId, !handedOutWhole() ? "not every byte before them"
          : "it ended without an orderly close");
    } else {
      release(grantId);
    }
  }

  /**
   * A download closed (by the client, or by the end of its SSH session) before the last byte: the
   * claim is given back at once, as a gRPC client's ReleaseClaim does, so nothing is used up and the
   * grant can be redeemed again now (by either door) instead of after the claim window. The claim
   * secret lives only in this handle, so no one could resume it anyway. A claim the core already
   * closed (revoked, purged) has nothing to give back.
   */
  private java.util.Optional<dev.sealdrop.server.core.grant.Grant> release(String grantId) {
    try {
      // as the login was: giving a claim back needs no rights, and a session the re-check closes (its key removed, its
      // certificate expired) must still give its claim back, which no one else holds (outside test: it stayed claimed
      // for the whole window); one whose certificate expired was ended by the server, so it does not count as
      // interrupted, but one whose key its holder removed does
      java.util.Optional<dev.sealdrop.server.core.grant.Grant> released = grants.giveBack(login.atLogin(),
          redemption.claimSecret(), cutFor != null || login.endedByTheServer());
      if (released.isEmpty()) {
        LOG.info("SFTP download of grant {} closed at {} of {} bytes; its claim was closed by the server already"
            + " (revoked, purged or lapsed): nothing to give back", grantId, position, download.size());
        return released;
      }
      dev.sealdrop.server.core.grant.Grant after = released.get();
      LOG.info("SFTP download of grant {} closed at {} of {} bytes; claim released, the grant {}", grantId, position,
          download.size(), after.state() == GrantState.CONSUMED ? "is used up (its third interrupted claim)"
              : "can be redeemed again");
      return released;
    } catch (SealdropException e) {
      LOG.info("SFTP download of grant {} closed at {} of {} bytes; claim not released: {}", grantId, position,
          download.size(), e.reason());
      return java.util.Optional.empty();
    }
  }
}
