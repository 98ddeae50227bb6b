package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.UploadSession;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file being written into /outbox: every byte goes to the core's {@link UploadSession}, which
 * validates the envelope as it arrives (plaintext is refused at its first bytes). Only an explicit
 * SFTP CLOSE ({@link #closeRequested}) finishes the upload, which verifies and commits it; a
 * connection that ends without CLOSE leaves an interrupted upload that is never listed and that the
 * core's abandoned-upload expiry deletes. Writes must be sequential (SFTP clients send them so).
 */
final class UploadChannel implements SeekableByteChannel {
  private static final Logger LOG = LoggerFactory.getLogger(UploadChannel.class);
  private final UploadSession session;
  private long position;
  private boolean closeRequested;
  private IOException failure;
  private boolean open = true;

  UploadChannel(UploadSession session) {
    this.session = session;
  }

  /** The client sent SSH_FXP_CLOSE for this handle: closing now means "commit". */
  void closeRequested() {
    closeRequested = true;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    checkUsable();
    byte[] data = new byte[src.remaining()];
    src.get(data);
    try {
      session.append(data);
    } catch (RuntimeException e) {
      failure = SftpErrors.toIo(e);
      throw failure;
    }
    position += data.length;
    return data.length;
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    checkUsable();
    if (newPosition != position) {
      failure = new SftpException(SftpConstants.SSH_FX_FAILURE, "uploads are written sequentially from offset 0"
          + " (got offset " + newPosition + ", expected " + position + "); resuming is not supported over SFTP,"
          + " upload the whole file again");
      session.abort(new dev.sealdrop.server.core.InvalidRequestException(
          dev.sealdrop.server.core.Reason.INVALID_REQUEST, "SFTP writes must be sequential"));
      throw failure;
    }
    return this;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public long size() {
    return position;
  }

  @Override
  public int read(ByteBuffer dst) {
    throw new NonReadableChannelException();
  }

  @Override
  public SeekableByteChannel truncate(long size) throws IOException {
    throw new SftpException(SftpConstants.SSH_FX_OP_UNSUPPORTED, "uploads cannot be truncated");
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
    if (failure != null) {
      throw failure;
    }
    if (!closeRequested) {
      session.interrupted();
      LOG.info("SFTP upload {} ended without CLOSE after {} bytes; nothing committed", session.uploadId(), position);
      return;
    }
    try {
      StoredFile file = session.finish();
      LOG.info("SFTP upload {} committed as /outbox/{}", session.uploadId(), file.id());
    } catch (RuntimeException e) {
      throw SftpErrors.toIo(e);
    }
  }

  private void checkUsable() throws IOException {
    if (failure != null) {
      throw failure;
    }
    if (!open) {
      throw new java.nio.channels.ClosedChannelException();
    }
  }
}
