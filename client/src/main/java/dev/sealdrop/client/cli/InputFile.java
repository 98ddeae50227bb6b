package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** The one check of a FILE argument that must be a regular file: a folder is named as one, not "no such file". */
final class InputFile {
  private InputFile() {
  }

  /**
   * Refuses (exit 2) a FILE to seal that is missing ({@code FILE_NOT_FOUND}), a folder ({@code IS_A_FOLDER}) and
   * anything else that is not a regular file ({@code NOT_A_REGULAR_FILE}: a device, FIFO or socket, and
   * {@code -} for standard input unless a file has that name), and one this user may not read (an
   * {@link java.nio.file.AccessDeniedException}, which the error report words as {@code ACCESS_DENIED}): checked
   * by opening it, before any passphrase is asked for or anything is sent, so that a refusal leaves no trace on
   * the server.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the file")
  static void requireRegularFile(Path file) throws UsageFailure, IOException {
    if (!Files.exists(file) && file.toString().equals("-")) {
      // the Unix habit for standard input: a pipe, refused as /dev/stdin would be, not "no such file: -"
      throw new UsageFailure("NOT_A_REGULAR_FILE", "'-' (standard input) cannot be sealed: sealdrop reads a regular"
          + " file, whose size the envelope declares before the first byte", "write the input into a file first (e.g."
          + " `COMMAND > data.csv`), then name that file");
    }
    requireRegularFile(file, "sealdrop seals one file", "pack the folder into one file first, e.g. `tar czf"
        + " folder.tar.gz FOLDER` or `zip -r folder.zip FOLDER`", "check the path");
    try (java.nio.channels.SeekableByteChannel readable = Files.newByteChannel(file)) {
      // opened and closed at once: the mode bits alone do not say (root, ACLs, a write-only /proc/sys file)
      if (readable.size() == 0 && holdsData(readable)) {
        // a kernel's file (/proc, /sys) says 0 bytes and holds some: the envelope declares the size before the first
        // byte (round CP: "it grew beyond the 0 bytes ...; wait until whatever writes cpuinfo has finished")
        throw new UsageFailure("NOT_A_REGULAR_FILE", file + " reports a size of 0 bytes but holds data (a file the"
            + " kernel makes as it is read, such as those in /proc or /sys)", "copy its content into a file first"
            + " (e.g. `cat " + dev.sealdrop.client.cli.output.ShellWords.of(file.toString()) + " > copy.txt`), then name"
            + " that file");
      }
    }
  }

  /** Whether a byte can be read from {@code channel}; a read that fails is left for the seal's own read to report. */
  private static boolean holdsData(java.nio.channels.SeekableByteChannel channel) {
    try {
      return channel.read(java.nio.ByteBuffer.allocate(1)) > 0;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The same check of any other FILE that must be one regular file (a certificate, a key): a folder is refused as
   * {@code IS_A_FOLDER} with the message "FILE is a folder; " + {@code expected} and {@code folderHint}, a missing
   * FILE as {@code FILE_NOT_FOUND} with {@code missingHint}, and a device, FIFO or socket as {@code
   * NOT_A_REGULAR_FILE}.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the file")
  static void requireRegularFile(Path file, String expected, String folderHint, String missingHint)
      throws UsageFailure {
    if (Files.isDirectory(file)) {
      throw new UsageFailure("IS_A_FOLDER", file + " is a folder; " + expected, folderHint);
    }
    if (!Files.exists(file)) {
      // a name with bytes the locale could not decode reaches Java as U+FFFD, and names no file (round AR)
      throw new UsageFailure("FILE_NOT_FOUND", "no such file: " + file, file.toString().indexOf('\uFFFD') >= 0
          ? "its name holds bytes this locale cannot read (shown as \uFFFD): rename the file to valid UTF-8 (e.g."
              + " with `convmv` or a shell glob), or run sealdrop in the locale it was named in" : missingHint);
    }
    if (!Files.isRegularFile(file)) {
      // a device, FIFO or socket: its size is unknown up front and it may never end
      throw new UsageFailure("NOT_A_REGULAR_FILE", file + " is not a regular file (a device, pipe or socket)",
          "copy its content into a file first, then name that file");
    }
  }

  /**
   * Opens FILE for sealing, which declares {@code size} (its size when the command started) in the
   * envelope: a read that finds more bytes, or fewer, or a file modified meanwhile (its modification
   * time moved) fails with {@link Changed} instead of sealing a mixture of two versions.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the file")
  static InputStream openUnchanged(Path file, long size) throws IOException {
    String version = version(file);
    return new FilterInputStream(Files.newInputStream(file)) {
      private long read;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
          n = super.read(b, off, len);
        } catch (IOException e) {
          throw new Unreadable(file, e); // EIO and the like: the file's disk or the file, not a bug of sealdrop
        }
        if (n > 0) {
          read += n;
          if (read > size) {
            throw new Changed(file, "it grew beyond the " + size + " bytes it had when this command started");
          }
          return n;
        }
        if (n < 0) {
          if (read < size) {
            throw new Changed(file, "it shrank to " + read + " of the " + size + " bytes it had when this command"
                + " started");
          }
          if (!version.equals(version(file))) {
            throw new Changed(file, "it was modified");
          }
        }
        return n;
      }
    };
  }

  /** Whether this platform's default file system has the "unix" attribute view (its ctime). */
  private static final boolean CHANGE_TIME =
      java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("unix");

  /**
   * What tells one version of FILE from another without reading it: its size and modification time,
   * and, where the platform has them, its identity (device and inode: a new file moved into place is
   * another file) and its change time (ctime, which no program can set back, unlike the modification
   * time that {@code cp -p}, {@code rsync -a}, {@code tar x} or {@code touch -d} set to an old value).
   * A file edited in place with its size and modification time kept is thus still a new version.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the file")
  static String version(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    StringBuilder v = new StringBuilder().append(a.size()).append(' ').append(a.lastModifiedTime());
    if (a.fileKey() != null) {
      v.append(' ').append(a.fileKey());
    }
    if (CHANGE_TIME) {
      v.append(' ').append(Files.getAttribute(file, "unix:ctime"));
    }
    return v.toString();
  }

  /** Reading FILE failed (an I/O error of its disk, a special file that refuses reads): what was sealed is discarded. */
  static final class Unreadable extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    Unreadable(Path file, IOException cause) {
      super("cannot read " + file + ": " + dev.sealdrop.client.failure.IoReason.of(cause), cause);
      this.file = file;
    }

    Path file() {
      return file;
    }
  }

  /** FILE changed while it was being sealed: what was sealed so far is discarded. */
  static final class Changed extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    Changed(Path file, String how) {
      super(file + " changed while it was being read (" + how + ")");
      this.file = file;
    }

    Path file() {
      return file;
    }
  }
}
