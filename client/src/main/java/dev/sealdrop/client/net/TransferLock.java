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
  private final FileChannel channel;
  private final FileLock lock;

  private TransferLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
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
    FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
    try {
      FileLock l = ch.tryLock(position, 1, false);
      if (l != null) {
        return Optional.of(new TransferLock(ch, l));
      }
    } catch (OverlappingFileLockException e) {
      // held by another run in this JVM
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    ch.close();
    return Optional.empty();
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
