package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.identity.LiveSessions;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;

/**
 * An SFTP file handle that is a live transfer, a download ({@link DownloadChannel}) or an upload
 * ({@link UploadChannel}): registered in the core's registry of live transfers (what a lockdown
 * cuts), told when the client sent SSH_FXP_CLOSE for it, and closed once. Closing takes it out of
 * the registry, then {@link #end} finishes the transfer.
 */
abstract sealed class TransferChannel implements SeekableByteChannel permits DownloadChannel, UploadChannel {
  private boolean closeRequested;
  private boolean open = true;
  /** This transfer in the core's registry of live transfers (what a lockdown cuts); null until tracked. */
  private volatile LiveSessions.Registration registration;
  /** Run once the transfer has ended (the tree forgets an upload's name); null if nothing waits. */
  private Runnable whenClosed;

  /** Registers this transfer as a live one: a lockdown cuts it at once. */
  final void track(LiveSessions.Registration r) {
    registration = r;
  }

  /** Runs {@code r} once this handle is closed and its transfer has ended, whether or not that failed. */
  final void whenClosed(Runnable r) {
    whenClosed = r;
  }

  /** The client sent SSH_FXP_CLOSE for this handle ({@link VirtualAccessor#closing}): closing now is orderly. */
  final void closeRequested() {
    closeRequested = true;
  }

  @Override
  public final boolean isOpen() {
    return open;
  }

  @Override
  public final void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    LiveSessions.Registration r = registration;
    if (r != null) {
      r.end();
    }
    try {
      end(closeRequested);
    } finally {
      if (whenClosed != null) {
        whenClosed.run();
      }
    }
  }

  /**
   * Finishes the transfer, once, after the handle was closed and left the registry.
   *
   * @param closeRequested whether the client sent SSH_FXP_CLOSE for it (otherwise its SSH session ended)
   */
  abstract void end(boolean closeRequested) throws IOException;
}
