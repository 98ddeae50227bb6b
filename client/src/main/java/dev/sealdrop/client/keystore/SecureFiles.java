package dev.sealdrop.client.keystore;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only files and folders (0600 / 0700), written atomically: a temporary file beside the
 * destination, fsynced, then renamed. A reader never sees half a file; nobody else can read it.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "paths are inside the user's own profile folder, chosen by the local user")
public final class SecureFiles {
  private SecureFiles() {}

  static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code dir} (and parents) if missing and makes it owner-only. */
  public static Path ensureDirectory(Path dir) throws IOException {
    if (posix()) {
      FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(DIR);
      Files.createDirectories(dir, attr);
      if (!Files.getPosixFilePermissions(dir).equals(DIR)) {
        // only when it is not so already: a profile on a read-only disk is still read (round AD: every command,
        // read-only ones too, failed there on this change of nothing)
        Files.setPosixFilePermissions(dir, DIR);
      }
    } else {
      Files.createDirectories(dir);
    }
    return dir;
  }

  /** Creates an empty owner-only file if missing (for appending spools), else leaves it. */
  public static Path ensureFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      if (posix()) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      } else {
        Files.createFile(file);
      }
    }
    restrict(file);
    return file;
  }

  /** Makes an existing file owner-only. */
  public static void restrict(Path file) throws IOException {
    if (posix()) {
      Files.setPosixFilePermissions(file, FILE);
    }
  }

  /** Atomically replaces {@code target} with {@code content}, owner-only, durable. */
  public static void write(Path target, byte[] content) throws IOException {
    try (Temporary tmp = temp(target)) {
      try (OutputStream os = Files.newOutputStream(tmp.path, StandardOpenOption.WRITE)) {
        os.write(content);
      }
      publish(tmp.path, target);
    }
  }

  /** Atomically copies {@code source} to {@code target}, owner-only, durable. */
  public static void copy(Path source, Path target) throws IOException {
    try (Temporary tmp = temp(target)) {
      Files.copy(source, tmp.path, StandardCopyOption.REPLACE_EXISTING);
      restrict(tmp.path);
      publish(tmp.path, target);
    }
  }

  /** Forces a file's content to disk. */
  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  static final String TEMP_PREFIX = ".tmp-";
  static final String TEMP_SUFFIX = ".part";

  /** Whether {@code fileName} is the name of an atomic write's temporary file. */
  public static boolean isTemporary(String fileName) {
    return fileName.startsWith(TEMP_PREFIX) && fileName.endsWith(TEMP_SUFFIX);
  }

  /**
   * How old a temporary file of an atomic write must be before another write in its folder deletes it: a write's own
   * lives for the milliseconds of one small file's write and fsync; an older one was left by a killed process.
   */
  static final java.time.Duration STALE_TEMPORARY = java.time.Duration.ofMinutes(10);

  /**
   * How long a signal's shutdown waits for the atomic writes under way to finish before it deletes their files: as
   * long as a claim's record may hold the JVM ({@code UntilRecorded}), so that a write on a stalled disk is not cut.
   */
  static final java.time.Duration WRITES_UNDER_WAY_WAIT = java.time.Duration.ofSeconds(10);

  /**
   * The temporary file of one atomic write, deleted when closed. A signal runs no {@code finally}: a shutdown hook then
   * waits a moment for the writes under way (a write takes milliseconds; another hook may be holding the JVM for one,
   * such as a claim's record) and deletes what is still there (a transfer state's temporary file holds its claim id, a
   * secret). SIGKILL runs no hook: the next write into the same folder deletes what is older than {@link
   * #STALE_TEMPORARY}.
   */
  private static final class Temporary implements AutoCloseable {
    private static final Set<Path> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicBoolean HOOKED = new java.util.concurrent.atomic.AtomicBoolean();
    /** How long no write must have been under way before the hook deletes what is left. */
    private static final java.time.Duration QUIET = java.time.Duration.ofMillis(10);

    final Path path;

    private Temporary(Path path) {
      this.path = path;
    }

    /**
     * Registers the hook at the first write, not in a static initialiser: a first write made while the JVM already
     * goes down (a claim's record that a signal waits for) would fail there, as an {@code Error} that no caller
     * handles (round BN). Such a write has no hook; its own {@code close} deletes its file.
     */
    private static void hook() {
      if (HOOKED.compareAndSet(false, true)) {
        try {
          Runtime.getRuntime().addShutdownHook(new Thread(Temporary::deleteLive, "sealdrop-temporary-files"));
        } catch (IllegalStateException shuttingDown) {
          // the JVM is going down: the writes still under way delete their own files as they end
        }
      }
    }

    static Temporary create(Path dir) throws IOException {
      hook();
      Path p = posix()
          ? Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX, PosixFilePermissions.asFileAttribute(FILE))
          : Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
      LIVE.add(p);
      return new Temporary(p);
    }

    /**
     * Waits (up to {@link #WRITES_UNDER_WAY_WAIT}) until no write has been under way for {@link #QUIET}, then deletes
     * what is left. Not merely until none is: a thread that writes again and again (a state saved as a transfer goes)
     * has none under way for an instant between two writes, and its next one, begun after the hook had returned, was
     * cut by the JVM's end and left its file (CI: SecureFilesTest, round 4 of 5).
     */
    private static void deleteLive() {
      long end = System.nanoTime() + WRITES_UNDER_WAY_WAIT.toNanos();
      long quietSince = System.nanoTime();
      try {
        while (System.nanoTime() - end < 0) {
          long now = System.nanoTime();
          if (!LIVE.isEmpty()) {
            quietSince = now;
          } else if (now - quietSince >= QUIET.toNanos()) {
            break;
          }
          Thread.sleep(2);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Path p : LIVE) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort while the JVM is going down
        }
      }
    }

    @Override
    public void close() throws IOException {
      try {
        Files.deleteIfExists(path);
      } finally {
        LIVE.remove(path);
      }
    }
  }

  private static Temporary temp(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    removeStaleTemporaries(dir);
    return Temporary.create(dir);
  }

  /** Deletes the temporary files of atomic writes in {@code dir} that a killed process left (best effort). */
  static void removeStaleTemporaries(Path dir) {
    java.nio.file.attribute.FileTime before = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(STALE_TEMPORARY));
    try (java.nio.file.DirectoryStream<Path> list = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
      for (Path p : list) {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p,
            java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (a.isRegularFile() && a.lastModifiedTime().compareTo(before) < 0) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException | java.nio.file.DirectoryIteratorException e) {
      // a leftover stays until a later write; this write goes on
    }
  }

  private static void publish(Path tmp, Path target) throws IOException {
    fsync(tmp);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
    // the rename itself durable: a receive's redeem key must survive a power loss before its Redeem is sent
    // (protocol.md; review DJ: the folder was never fsynced, so the rename could be lost)
    dev.sealdrop.envelope.OutputFiles.fsyncDirectory(target.toAbsolutePath().getParent());
  }
}
