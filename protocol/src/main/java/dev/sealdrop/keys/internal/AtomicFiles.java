package dev.sealdrop.keys.internal;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Temporary files beside their destination, owner-only, fsynced and renamed into place: the
 * only way sealdrop makes a file appear at its final path.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "paths are chosen by the local user (CLI arguments), or sanitised by FileNames")
public final class AtomicFiles {
  private AtomicFiles() {}

  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  /** A new, empty, owner-only (0600 on POSIX) temporary file in {@code directory}. */
  public static Path createTemp(Path directory, String prefix) throws IOException {
    if (POSIX) {
      FileAttribute<?> ownerOnly = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      return Files.createTempFile(directory, prefix, ".part", ownerOnly);
    }
    return Files.createTempFile(directory, prefix, ".part");
  }

  /** Forces a file's content to stable storage. */
  public static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * Renames {@code temp} onto {@code target}, replacing it, then fsyncs the directory. A {@code target} that exists
   * and is not a regular file (a device, pipe, socket or folder; a link is judged by what it points to) is never
   * replaced: {@link java.nio.file.FileAlreadyExistsException} (as root, a forced write named by a sender could
   * otherwise replace a device node).
   */
  public static void replace(Path temp, Path target) throws IOException {
    if (Files.exists(target) && !Files.isRegularFile(target)) {
      throw new java.nio.file.FileAlreadyExistsException(target.toString(), null,
          "not a regular file, so it is not replaced");
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fsyncDirectory(target.toAbsolutePath().getParent());
  }

  /**
   * Publishes {@code temp} at {@code target} only if nothing exists there (a hard link fails
   * atomically on an existing name), then removes {@code temp} and fsyncs the directory. On a file system without hard
   * links (FAT and exFAT, an SMB share without Unix extensions: the link is refused with "Operation not permitted" or
   * "Operation not supported"), a rename that refuses an existing name instead: the JDK checks the name, then renames,
   * so a file created in between those two steps would be replaced (review DM: such folders refused every receive).
   */
  public static void publishNew(Path temp, Path target) throws IOException {
    publishNew(temp, target, Files::createLink);
  }

  /** How a hard link is made ({@link Files#createLink}; a test's stands for a file system without links). */
  @FunctionalInterface
  interface Linker {
    void link(Path link, Path existing) throws IOException;
  }

  static void publishNew(Path temp, Path target, Linker linker) throws IOException {
    boolean linked;
    try {
      linker.link(target, temp);
      linked = true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw e;
    } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
      if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        // (a file system may report an existing name as another error)
        throw new java.nio.file.FileAlreadyExistsException(target.toString());
      }
      linked = false;
    }
    if (linked) {
      Files.delete(temp); // (its own error if it fails: the file is in place, not "already there")
    } else {
      Files.move(temp, target); // no REPLACE_EXISTING: an existing name is refused
    }
    fsyncDirectory(target.toAbsolutePath().getParent());
  }

  /** Deletes quietly; used on failure paths where the original exception matters more. */
  public static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // Leave the original failure as the reported one; the .part file is owner-only.
    }
  }

  /**
   * Forces {@code dir}'s entries to disk, so that a rename or create in it survives a power loss (best effort: some file
   * systems refuse to open a directory).
   */
  public static void fsyncDirectory(Path dir) {
    if (dir == null || !POSIX) {
      return;
    }
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // Some file systems refuse to open directories; the rename itself already happened.
    }
  }
}
