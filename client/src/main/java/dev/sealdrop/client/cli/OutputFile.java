package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one check of a {@code -o FILE} argument that names a file to write (seal, keys export, admin
 * audit export), before any work: a folder, an existing file without {@code --force}, or a missing
 * parent folder is a usage error (exit 2), never an internal error after the work was done.
 */
public final class OutputFile {
  private OutputFile() {
  }

  /**
   * Refuses ({@code NOT_A_REGULAR_FILE}) {@code -o -}, the Unix habit for standard output, before anything
   * is read or unlocked: sealdrop writes only files (open renames the plaintext into place once the whole
   * file verified), so {@code -} would otherwise become a file of that name in the current folder, and a
   * pipe behind the command would get only the summary. {@code -o ./-} names such a file.
   */
  public static void requireNotStandardOutput(String output) throws UsageFailure {
    if (output.equals("-")) {
      throw new UsageFailure("NOT_A_REGULAR_FILE", "-o - (standard output) is not an output here: sealdrop writes a"
          + " file", "name the file to write with -o FILE (-o ./- names a file called '-')");
    }
  }

  /**
   * The file {@code -o argument} names, after refusing a folder ({@code IS_A_FOLDER}; an argument ending in {@code /}
   * names a folder even if none exists: {@code NO_SUCH_FOLDER}, not a file of that name), a device, pipe or socket
   * ({@link #requireRegularIfPresent}), an existing file without force ({@code FILE_EXISTS}) and a parent that is
   * missing ({@code NO_SUCH_FOLDER}) or a file ({@code NOT_A_FOLDER}).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the output file")
  public static Path requireWritable(String argument, boolean force) throws UsageFailure {
    Path output = Path.of(argument);
    requireNameFits(output);
    if (Files.isDirectory(output)) {
      throw new UsageFailure("IS_A_FOLDER", output + " is a folder; -o names the file to write",
          "name a file, e.g. -o " + output.resolve("NAME"));
    }
    if (OpenCommand.namesFolder(argument)) {
      // Path drops the trailing separator: "-o newdir/" would have written a file called newdir
      throw new UsageFailure(Files.exists(output) ? "NOT_A_FOLDER" : "NO_SUCH_FOLDER", Files.exists(output)
          ? output + " is a file, not a folder" : "folder " + output + " does not exist", "-o names the file to write,"
          + " e.g. -o " + output.resolve("NAME") + " once that folder exists; without the trailing /, -o " + output
          + " names a file");
    }
    requireRegularIfPresent(output);
    // a link is an entry there, even one to nothing (round AN: a dangling link was replaced without --force)
    if (Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
      throw new UsageFailure("FILE_EXISTS", "refusing to overwrite " + output, "pass --force, or choose another -o");
    }
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      if (Files.exists(parent)) {
        throw new UsageFailure("NOT_A_FOLDER", parent + " is a file, not a folder", "choose -o FILE in a folder");
      }
      throw new UsageFailure("NO_SUCH_FOLDER", "folder " + parent + " does not exist", "create it first");
    }
    return output;
  }

  /** The longest file name most Linux file systems take (ext4, xfs, btrfs, tmpfs: NAME_MAX), in bytes. */
  static final int NAME_MAX = 255;

  /**
   * Refuses ({@code NAME_TOO_LONG}) an output whose name is longer than {@value #NAME_MAX} bytes, before any work (review
   * DY: found when the file was published, after a whole seal, open or download, it was "internal error ... a bug"). A
   * file system with a shorter limit is still told so at the publish, as NAME_TOO_LONG ({@code LocalDisk}).
   */
  static void requireNameFits(Path output) throws UsageFailure {
    Path name = output.getFileName();
    int bytes = name == null ? 0 : name.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > NAME_MAX) {
      throw new UsageFailure("NAME_TOO_LONG", "the output name is " + bytes + " bytes long; file systems take at most "
          + NAME_MAX, "choose a shorter name with -o");
    }
  }

  /**
   * Refuses ({@code NOT_A_REGULAR_FILE}) an output that exists and is a device, pipe or socket, {@code --force} or
   * not: the output is written beside it and renamed into place, which would replace the node itself (as root, {@code
   * -o /dev/null --force} made /dev/null a regular file; outside test), and a pipe opened for writing waits forever
   * for a reader. A link to a regular file is a regular file here.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the output file")
  public static void requireRegularIfPresent(Path output) throws UsageFailure {
    if (Files.exists(output) && !Files.isRegularFile(output) && !Files.isDirectory(output)) {
      throw new UsageFailure("NOT_A_REGULAR_FILE", output + " is not a regular file (a device, pipe or socket); -o"
          + " names a file to write, and sealdrop does not replace such a node, --force or not",
          "choose another -o: a file name");
    }
  }

  /**
   * Renames the written {@code tmp} to {@code target}: over it if {@code replace} (--force; a link there is replaced,
   * not written through), else only if nothing is there by then (review DM: a file created under that name while the
   * command ran was replaced without --force): {@link java.nio.file.FileAlreadyExistsException}.
   */
  static void moveIntoPlace(Path tmp, Path target, boolean replace) throws java.io.IOException {
    if (!replace) {
      dev.sealdrop.envelope.OutputFiles.publishNew(tmp, target);
      return;
    }
    try {
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Creates an empty hidden temporary file ({@code prefix}...{@code .part}) in {@code folder}, where the command
   * is about to write: a folder this run cannot create a file in (read-only file system, no permission, a folder
   * such as /proc) is refused ({@code FOLDER_NOT_WRITABLE}, naming the folder, not the temporary file, and
   * saying what was not done: {@code notDone}), before the work and the passphrase it needs.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user chooses the output folder")
  static Path createTempIn(Path folder, String prefix, String notDone) throws UsageFailure {
    try {
      return Files.createTempFile(folder, prefix, ".part");
    } catch (java.io.IOException e) {
      throw notWritable(folder, e, notDone);
    }
  }

  /**
   * {@code FOLDER_NOT_WRITABLE} for a temporary file {@code folder} could not take ({@code e}), naming the folder and
   * saying what was not done, as {@link #createTempIn} refuses it.
   */
  public static UsageFailure notWritable(Path folder, java.io.IOException e, String notDone) {
    return new UsageFailure("FOLDER_NOT_WRITABLE", "cannot write into " + folder + " (" + kernelFolder(folder)
        .orElse(IoReason.of(e)) + "); " + notDone, "choose a folder you can write to with -o,"
        + " then run the same command again", e);
  }

  /** The kernel's own file systems, where no file can be made (round BJ's list: `-o /proc` was "no such file"). */
  private static final java.util.Set<String> KERNEL_FILE_SYSTEMS = java.util.Set.of("proc", "sysfs", "cgroup",
      "cgroup2", "debugfs", "tracefs", "securityfs", "configfs", "pstore", "bpf");

  /** Why nothing can be written into {@code folder} if it is on one of the kernel's own file systems. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the folder")
  private static java.util.Optional<String> kernelFolder(Path folder) {
    try {
      String type = Files.getFileStore(folder).type();
      return KERNEL_FILE_SYSTEMS.contains(type) ? java.util.Optional.of("it is on the kernel's " + type
          + " file system, which holds no files of yours") : java.util.Optional.empty();
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * Refuses ({@code OUTPUT_IN_PROFILE}) a folder for decrypted output inside the profile: the sender names the file
   * written there, and a name such as {@code alice.skb} in {@code trusted/} would replace what the profile keeps (a
   * pinned key, a key file). Compared by real paths, so a link to the profile is refused too.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the folder")
  public static void requireOutsideProfile(Path folder, Path profile) throws UsageFailure {
    Path real;
    Path home;
    try {
      real = folder.toRealPath();
      home = profile.toRealPath();
    } catch (java.io.IOException e) {
      return; // a folder or profile that is not there: refused where it is used
    }
    if (real.startsWith(home)) {
      throw new UsageFailure("OUTPUT_IN_PROFILE", folder + " is inside your sealdrop profile (" + profile + "): a"
          + " received file named by its sender could replace the profile's keys or pinned keys",
          "choose a folder outside the profile (-o DIR)");
    }
  }

  /**
   * Refuses ({@code SAME_FILE}) an output that is the input itself (the same path, a link to it):
   * even with {@code --force}, writing it would replace the only copy of what is being read (seal:
   * the plaintext, by ciphertext the sender may not be able to open).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names input and output")
  public static void requireNotTheInput(Path output, Path input) throws UsageFailure {
    boolean same;
    try {
      same = Files.exists(output) && Files.isSameFile(output, input);
    } catch (java.io.IOException e) {
      same = false; // unreadable: the write itself reports it
    }
    if (same) {
      throw new UsageFailure("SAME_FILE", "-o " + output + " is the input file " + input
          + "; writing it would destroy the input (even with --force)", "choose another -o");
    }
  }
}
