package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.grant.DownloadSession;
import dev.sealdrop.server.core.grant.GrantService;
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
 * <em>and</em> closes the handle with SSH_FXP_CLOSE (a complete, orderly transfer). A transfer cut
 * before that does not confirm: the claim stays open and the core's rule applies (a claim that was
 * served completely counts when its window passes; one that was not lapses and the grant becomes
 * redeemable again).
 */
final class DownloadChannel implements SeekableByteChannel {
  private static final Logger LOG = LoggerFactory.getLogger(DownloadChannel.class);
  private final Login login;
  private final GrantService grants;
  private final Redemption redemption;
  private final DownloadSession download;
  private long position;
  private boolean servedAll;
  private boolean closeRequested;
  private boolean open = true;
  private byte[] buffer = new byte[0];

  DownloadChannel(Login login, GrantService grants, Redemption redemption, DownloadSession download) {
    this.login = login;
    this.grants = grants;
    this.redemption = redemption;
    this.download = download;
  }

  void closeRequested() {
    closeRequested = true;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new java.nio.channels.ClosedChannelException();
    }
    long size = download.size();
    if (position >= size) {
      servedAll |= position == size && download.position() >= size;
      return -1;
    }
    int want = (int) Math.min(dst.remaining(), size - position);
    if (buffer.length != want) {
      buffer = new byte[want];
    }
    int n = VirtualTree.core(() -> download.next(buffer));
    if (n < 0) {
      servedAll = true;
      return -1;
    }
    dst.put(buffer, 0, n);
    position += n;
    if (position >= size) {
      servedAll = true;
    }
    return n;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    if (newPosition == position) {
      return this;
    }
    if (newPosition < 0) {
      throw new SftpException(SftpConstants.SSH_FX_FAILURE, "negative offset");
    }
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

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    download.close();
    String grantId = redemption.grant().id();
    if (closeRequested && servedAll) {
      VirtualTree.core(() -> grants.confirm(login.principal(), redemption.claimSecret(),
          redemption.grant().fingerprint()));
      LOG.info("SFTP download of grant {} complete and closed; confirmed", grantId);
    } else {
      LOG.info("SFTP download of grant {} ended at {} of {} bytes without an orderly close; not confirmed",
          grantId, position, download.size());
    }
  }
}
