package dev.sealdrop.client.net;

import dev.sealdrop.client.keystore.SecureFiles;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive claim of one transfer's state (its state file and spool) by one running command, so
 * that two runs of the same command with the same profile cannot write into the same spool or
 * delete each other's temporary files. It is a byte-range lock, picked by the state file's (hashed)
 * name, in one lock file beside the state folders ({@code state/transfers.lock}, empty, never deleted):
 * the operating system releases it when the process ends, however it ends (kill -9 included), so
 * a stale lock can never block a re-run.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "the lock file lives in the user's profile folder")
public final class TransferLock implements AutoCloseable {
  static final String FILE_NAME = "transfers.lock";

  /**
   * The one channel of each lock file this process locks in, by its real path, kept open while a lock is held through
   * it. Closing any channel of a file drops every lock the process holds on it (POSIX record locks): a second channel
   * opened and closed while a send held its lock (a send of a new version looking at the old version's) silently let
   * another run take that lock (review DU). Locks are taken, and the channel closed once the last is let go, under this
   * map's monitor.
   */
  private static final java.util.Map<Path, Shared> CHANNELS = new java.util.HashMap<>();

  /** A lock file's channel and the locks held through it. */
  private static final class Shared {
    final FileChannel channel;
    final Object fileKey;
    int held;

    Shared(FileChannel channel, Object fileKey) {
      this.channel = channel;
      this.fileKey = fileKey;
    }
  }

  private final Path lockFile;
  private final Shared shared;
  private final FileLock lock;
  private boolean closed;

  private TransferLock(Path lockFile, Shared shared, FileLock lock) {
    this.lockFile = lockFile;
    this.shared = shared;
    this.lock = lock;
  }

  /**
   * Takes the lock of the transfer whose state file is {@code stateFile} (a {@link StateFile#nameFor}
   * name), or returns empty if another run (of this or another process) holds it.
   */
  public static Optional<TransferLock> tryAcquire(Path stateFile) throws IOException {
    // beside the state folders, not in them: a finished or abandoned transfer leaves its folder empty
    Path lockFile = stateFile.toAbsolutePath().getParent().resolveSibling(FILE_NAME);
    try {
      SecureFiles.ensureFile(lockFile);
    } catch (FileAlreadyExistsException e) {
      // a concurrent run created it just now
    }
    String name = stateFile.getFileName().toString();
    long position = Long.parseLong(name.substring(0, 15), 16); // 60 bits of the hash: below Long.MAX_VALUE
    Path key = lockFile.toRealPath();
    synchronized (CHANNELS) {
      Shared shared = channelOf(key);
      FileLock l;
      try {
        l = shared.channel.tryLock(position, 1, false);
      } catch (OverlappingFileLockException e) {
        l = null; // held by another run in this JVM
      }
      if (l == null) {
        releaseIfUnused(key, shared);
        return Optional.empty();
      }
      shared.held++;
      return Optional.of(new TransferLock(key, shared, l));
    }
  }

  /** The open channel of the lock file at {@code key}; a new one if the file was replaced (its profile made anew). */
  private static Shared channelOf(Path key) throws IOException {
    Object fileKey = java.nio.file.Files.readAttributes(key, java.nio.file.attribute.BasicFileAttributes.class)
        .fileKey();
    Shared shared = CHANNELS.get(key);
    if (shared != null && (fileKey == null || fileKey.equals(shared.fileKey))) {
      return shared;
    }
    if (shared != null && shared.held == 0) {
      shared.channel.close(); // its file is gone: no lock of this process is held on it
    }
    shared = new Shared(FileChannel.open(key, StandardOpenOption.WRITE), fileKey);
    CHANNELS.put(key, shared);
    return shared;
  }

  private static void releaseIfUnused(Path key, Shared shared) throws IOException {
    if (shared.held == 0) {
      CHANNELS.remove(key, shared);
      shared.channel.close();
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (CHANNELS) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        lock.release();
      } finally {
        shared.held--;
        releaseIfUnused(lockFile, shared);
      }
    }
  }
}
