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
    Path tmp = temp(target);
    try {
      try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
        os.write(content);
      }
      publish(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Atomically copies {@code source} to {@code target}, owner-only, durable. */
  public static void copy(Path source, Path target) throws IOException {
    Path tmp = temp(target);
    try {
      Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
      restrict(tmp);
      publish(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Forces a file's content to disk. */
  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static Path temp(Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    if (posix()) {
      return Files.createTempFile(dir, ".tmp-", ".part", PosixFilePermissions.asFileAttribute(FILE));
    }
    return Files.createTempFile(dir, ".tmp-", ".part");
  }

  private static void publish(Path tmp, Path target) throws IOException {
    fsync(tmp);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
