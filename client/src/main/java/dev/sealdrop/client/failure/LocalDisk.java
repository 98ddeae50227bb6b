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
    IOException os = operatingSystems(e);
    String why = os instanceof FileSystemException f && f.getReason() != null ? f.getReason() : os.getMessage();
    if (why == null) {
      return Optional.empty();
    }
    String file = os instanceof FileSystemException f ? f.getFile() : null;
    Path where = folder != null ? folder : file == null ? null : Path.of(file).toAbsolutePath().getParent();
    String into = folder != null ? " into " + folder : file != null ? " " + file : "";
    if (why.equals("No space left on device") || why.equals("Disk quota exceeded")) {
      String disk = where == null ? "that disk" : "the disk that holds " + where + " (`df -h " + where + "` shows it)";
      return Optional.of(new UsageFailure("NO_SPACE", "cannot write" + into + ": the disk is full (" + why + ")",
          "free space on " + disk + (elsewhere.isEmpty() ? "" : ", or " + elsewhere) + "; " + then, e));
    }
    if (why.equals("Read-only file system")) {
      return Optional.of(new UsageFailure("READ_ONLY_FILE_SYSTEM", "cannot write" + into + ": the file system is"
          + " read-only", (elsewhere.isEmpty() ? "mount it writable" : elsewhere) + "; " + then, e));
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
      if (t instanceof IOException io) {
        String why = io instanceof FileSystemException f && f.getReason() != null ? f.getReason() : io.getMessage();
        if (KNOWN.contains(why)) {
          return io;
        }
      }
    }
    return e;
  }

  private static final java.util.Set<String> KNOWN = java.util.Set.of("No space left on device", "Disk quota exceeded",
      "Read-only file system");
}
