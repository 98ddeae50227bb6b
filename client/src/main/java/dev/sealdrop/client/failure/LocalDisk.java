package dev.sealdrop.client.failure;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A write the local file system refused for lack of room ({@code NO_SPACE}) or because it is mounted
 * read-only ({@code READ_ONLY_FILE_SYSTEM}): the user's machine, not a bug. The JDK reports these as plain
 * {@code IOException}s carrying the operating system's message, most often without the file (a stream's
 * write knows none), so the folder being written is named by whoever knows it: the folder that ran out is
 * what the user must free, or move away from (a receive writes into the output folder, and into the profile's
 * spool only when its download breaks).
 */
public final class LocalDisk {
  private LocalDisk() {
  }

  /** For an output the user chose: what else to do than free space. */
  public static final String OTHER_OUTPUT = "choose an output folder on another disk (-o)";

  /**
   * The refusal, if {@code e} is one: naming {@code folder} (or, if null, the file the exception names, if any);
   * the hint offers {@code elsewhere} (e.g. {@link #OTHER_OUTPUT}; empty if there is no other place) besides
   * freeing space, and ends with {@code then}, what a re-run does (e.g. "then run the same command again").
   */
  public static Optional<UsageFailure> refusal(IOException e, Path folder, String elsewhere, String then) {
    return refusal(e, folder, elsewhere, then, 0);
  }

  /**
   * {@link #refusal(IOException, Path, String, String)} of a write of a file of about {@code size} bytes into {@code
   * folder} (0: not known), which a refusal in words not known here is judged by: the disk is full if it has less room
   * than that (the partial file is deleted by then), and a FAT file system refuses a file of 4 GiB or more.
   */
  public static Optional<UsageFailure> refusal(IOException e, Path folder, String elsewhere, String then, long size) {
    IOException os = operatingSystems(e);
    String why = reasonOf(os);
    String file = os instanceof FileSystemException f ? f.getFile() : null;
    Path where = folder != null ? folder : file == null ? null : Path.of(file).toAbsolutePath().getParent();
    String into = folder != null ? " into " + folder : file != null ? " " + file : "";
    if (why == null || !(FULL.contains(why) || READ_ONLY.equals(why) || NAME_TOO_LONG.equals(why)
        || TOO_LARGE.equals(why))) {
      // the operating system's words are in the user's language (the JVM takes the locale's messages: a German
      // desktop's full disk is "Auf dem Geraet ist kein Speicherplatz mehr verfuegbar"), so what is not known by them
      // is asked of the file system itself (review RH: such a full disk was "internal error ... a bug")
      // Only for a write into a folder the caller names, and for the plain exceptions the JDK throws for a system
      // call's error: an envelope's or a transfer's failure while writing onto a FAT or read-only disk is not one
      IOException plain = systemError(e);
      why = folder == null || plain == null ? null : probed(where, reasonOf(plain), size);
      if (why == null) {
        return Optional.empty();
      }
    }
    if (TOO_LARGE.equals(why) || why.startsWith(TOO_LARGE_ON)) {
      String system = why.startsWith(TOO_LARGE_ON) ? why.substring(TOO_LARGE_ON.length()) : null;
      return Optional.of(new UsageFailure("FILE_TOO_LARGE", "cannot write" + into + ": the file is larger than its file"
          + " system allows" + (system == null ? "" : " (" + system + ": FAT file systems hold files of 4 GiB at most)"),
          (elsewhere.isEmpty() ? "choose a folder on a disk formatted with another file system (ext4, exFAT, NTFS...)"
              : elsewhere + ", on a disk formatted with another file system (ext4, exFAT, NTFS...)") + "; " + then, e));
    }
    if (FULL.contains(why) || why.startsWith(FULL_WORDS)) {
      String disk = where == null ? "that disk" : "the disk that holds " + where + " (`df -h " + where + "` shows it)";
      return Optional.of(new UsageFailure("NO_SPACE", "cannot write" + into + ": the disk is full (" + why + ")",
          "free space on " + disk + (elsewhere.isEmpty() ? "" : ", or " + elsewhere) + "; " + then, e));
    }
    if (why.equals(READ_ONLY)) {
      return Optional.of(new UsageFailure("READ_ONLY_FILE_SYSTEM", "cannot write" + into + ": the file system is"
          + " read-only", "mount it writable" + (elsewhere.isEmpty() ? "" : ", or " + elsewhere) + "; " + then, e));
    }
    if (why.equals(NAME_TOO_LONG)) {
      // review DY: found only when the file was published (after the work), it was "internal error ... a bug"
      return Optional.of(new UsageFailure("NAME_TOO_LONG", "cannot write" + into + ": the name is longer than its"
          + " file system allows (ext4 and most others: 255 bytes; eCryptfs: about 143)", (elsewhere.isEmpty()
          ? "choose a shorter name (-o FILE)" : elsewhere + ", or a shorter name where you name the file (-o FILE)")
          + "; " + then, e));
    }
    return Optional.empty();
  }

  /**
   * The exception that carries the operating system's words: {@code e}, or the first of its causes that is
   * one of the refusals above (a write done on another thread, e.g. by the envelope library's direct writer,
   * arrives wrapped in an exception of its own).
   */
  private static IOException operatingSystems(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String why = t instanceof IOException io ? reasonOf(io) : null;
      if (why != null && (FULL.contains(why) || READ_ONLY.equals(why) || NAME_TOO_LONG.equals(why)
          || TOO_LARGE.equals(why))) {
        return (IOException) t;
      }
    }
    return e;
  }

  /**
   * What the file system holding {@code where} tells of a write it refused in words not known here ({@code words}, the
   * operating system's, or null) of a file of {@code size} bytes: {@link #READ_ONLY} if it is mounted read-only,
   * {@link #FULL_WORDS} if it has less than {@link #NEARLY_FULL} left beyond that size, {@link #TOO_LARGE_ON} and its
   * type if it is a FAT one and the file 4 GiB or more; else null.
   */
  private static String probed(Path where, String words, long size) {
    if (where == null) {
      return null;
    }
    try {
      Path existing = where.toAbsolutePath();
      while (existing != null && !java.nio.file.Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing == null) {
        return null;
      }
      java.nio.file.FileStore store = java.nio.file.Files.getFileStore(existing);
      String shown = words == null ? "" : "; the system said: " + words;
      if (store.isReadOnly()) {
        return READ_ONLY;
      }
      // before the room: seal's partial file is still there, and a 5 GiB file on a FAT stick with 8 GB free is no full
      // disk (review RL)
      String type = store.type().toLowerCase(java.util.Locale.ROOT);
      if (size >= FAT_LIMIT && (type.equals("vfat") || type.equals("msdos") || type.equals("fat"))) {
        return TOO_LARGE_ON + store.type();
      }
      if (store.getUsableSpace() < NEARLY_FULL + Math.max(0, size)) {
        return FULL_WORDS + shown;
      }
    } catch (IOException | RuntimeException unknown) {
      return null;
    }
    return null;
  }

  /**
   * The first exception in {@code e}'s chain of the classes the JDK throws for a system call's error (a channel's
   * {@code IOException}, a file operation's {@code FileSystemException}) itself, not a subclass; null if none.
   */
  private static IOException systemError(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getClass() == IOException.class || t.getClass() == FileSystemException.class) {
        return (IOException) t;
      }
      if (t instanceof IOException) {
        // a failure of its own kind (an input that could not be read, an envelope refused), whatever caused it: not
        // the output's disk (review RJ: an unreadable input with -o on a FAT stick was told FILE_TOO_LARGE)
        return null;
      }
    }
    return null;
  }

  /** The largest file a FAT file system holds is one byte less. */
  private static final long FAT_LIMIT = 4L << 30;

  /** Less room than this left where a write failed: the disk is full (a write fails with a block or so left). */
  static final long NEARLY_FULL = 1L << 20;

  /** The operating system's words in {@code e}: a file system exception's reason, else the message. */
  private static String reasonOf(IOException e) {
    return e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
  }

  /** The operating system's words for a full disk (ENOSPC, EDQUOT). */
  private static final java.util.Set<String> FULL = java.util.Set.of("No space left on device", "Disk quota exceeded");
  /** A full disk found by {@link #probed}, with the system's own words after it. */
  private static final String FULL_WORDS = "less room is left on it than the file needs";
  /** EFBIG, as the JDK words it in English (a FAT file system past 4 GiB). */
  private static final String TOO_LARGE = "File too large";
  /** {@link #probed}'s prefix for a FAT file system, its type after it. */
  private static final String TOO_LARGE_ON = "too large for ";
  /** ... and for a read-only one (EROFS). */
  private static final String READ_ONLY = "Read-only file system";
  /** ENAMETOOLONG, as the JDK words it. */
  private static final String NAME_TOO_LONG = "File name too long";
}
