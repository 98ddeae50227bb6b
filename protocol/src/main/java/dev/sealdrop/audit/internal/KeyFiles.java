package dev.sealdrop.audit.internal;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/** Owner-only, atomic, fsynced files (the audit key) and directory fsync. */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
    justification = "paths come from the operator's server configuration, never from a client")
public final class KeyFiles {
  private static final int MAX_KEY_FILE_BYTES = 1024;

  private KeyFiles() {}

  /** True if the file system of {@code p} supports POSIX permissions. */
  public static boolean posix(Path p) {
    Path dir = p.toAbsolutePath().getParent();
    return Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null;
  }

  /** Attributes for a new owner-only (0600) file, where POSIX permissions exist. */
  public static FileAttribute<?>[] ownerOnly(Path p) {
    if (!posix(p)) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))};
  }

  /** Writes {@code text} to a new file atomically (temp + fsync + rename + directory fsync), mode 0600. */
  public static void writeOwnerOnly(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
        ownerOnly(tmp))) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } finally {
      java.util.Arrays.fill(bytes, (byte) 0);
    }
    try {
      // A hard link never replaces an existing file, so two processes generating a key at once
      // cannot overwrite each other's key (a rename could).
      Files.createLink(file, tmp);
    } catch (FileAlreadyExistsException e) {
      throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing audit key");
    } catch (UnsupportedOperationException | IOException e) {
      if (Files.exists(file)) {
        throw new FileAlreadyExistsException(file.toString(), null, "refusing to overwrite an existing audit key");
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE); // file systems without hard links
      } catch (AtomicMoveNotSupportedException m) {
        throw new IOException("cannot create " + file + " atomically on this file system", m);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    fsyncDirectory(dir);
  }

  /** Reads a small file that must not be readable or writable by group or others. */
  public static String readOwnerOnly(Path file) throws IOException {
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      // round CR: a folder in the key's place was "too large to be an audit key"
      throw new IOException("audit key file " + file + " is " + (Files.isDirectory(file) ? "a folder" : "not a regular"
          + " file (a device, pipe or socket)") + ", not an audit key: move it aside, then put the key file back from a"
          + " backup (or, for a new log, move its log aside too)");
    }
    if (posix(file)) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      for (PosixFilePermission p : perms) {
        if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
            && p != PosixFilePermission.OWNER_EXECUTE) {
          throw new IOException("audit key file " + file + " is accessible by others ("
              + PosixFilePermissions.toString(perms) + "): run 'chmod 600 " + file + "' and check who read it");
        }
      }
    }
    if (Files.size(file) > MAX_KEY_FILE_BYTES) {
      throw new IOException("audit key file " + file + " is too large to be an audit key");
    }
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }

  /** fsyncs a directory so that a create/rename in it is durable (a no-op where unsupported). */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some platforms cannot open a directory for fsync (Windows); the rename is still atomic.
      if (posix(dir.resolve("x"))) {
        throw e instanceof IOException io ? io : new IOException(e);
      }
    }
  }
}
