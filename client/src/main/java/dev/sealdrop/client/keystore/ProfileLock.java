package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The exclusive right to write a profile's keys and files ({@code sealdrop init}): a lock on {@code state/profile.lock}
 * (empty, never deleted), which the operating system releases when the process ends, however it ends, so a stale one
 * never blocks a re-run. A second writer waits for the first (writing takes a second or so), then sees its profile
 * whole.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the lock file lives in the user's profile folder")
public final class ProfileLock implements AutoCloseable {
  /** How long a writer waits for another one before it gives up. */
  private static final long WAIT_MILLIS = 60_000;
  private final FileChannel channel;
  private final FileLock lock;

  private ProfileLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock of {@code profile} (whose folders exist), waiting while another run holds it. */
  public static ProfileLock take(Profile profile) throws IOException, UsageFailure {
    Path file = profile.dir().resolve("state").resolve("profile.lock");
    FileChannel ch = SecureFiles.posix()
        ? FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(SecureFiles.FILE))
        : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      long until = System.nanoTime() + WAIT_MILLIS * 1_000_000;
      while (true) {
        FileLock l;
        try {
          l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
          l = null; // held by another run in this JVM
        } catch (IOException e) {
          // a file system that keeps no locks (NFS without its lock daemon, some FUSE mounts): written unlocked, as
          // before there was a lock, rather than not at all (round AM)
          ch.close();
          return new ProfileLock(null, null);
        }
        if (l != null) {
          return new ProfileLock(ch, l);
        }
        if (System.nanoTime() > until) {
          throw new UsageFailure("PROFILE_BUSY", "another sealdrop run has been writing the profile in "
              + profile.dir() + " for " + WAIT_MILLIS / 1000 + " s", "wait for it to end (or stop it), then run this"
              + " command again");
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      ch.close();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the profile's lock");
    } catch (IOException | UsageFailure | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    if (channel == null) {
      return; // none was taken
    }
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
