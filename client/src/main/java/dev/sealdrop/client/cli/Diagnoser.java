package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.AuthFailure;
import dev.sealdrop.client.failure.GrantFailure;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.LocalDisk;
import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import picocli.CommandLine;

/**
 * Turns any throwable into a {@link Diagnosis}. The single place that decides exit codes: the
 * {@link ExitCodeMapper} and the {@link ErrorReporter} both ask it, so they cannot disagree.
 */
public final class Diagnoser {
  private Diagnoser() {}

  public static Diagnosis diagnose(Throwable t) {
    Throwable e = unwrap(t);
    if (e instanceof CommandLine.ParameterException) {
      return new Diagnosis(ExitCodes.USAGE, "USAGE", e.getMessage(), Optional.empty());
    }
    SealdropFailure f = translate(e);
    if (f != null) {
      return new Diagnosis(exitFor(f), f.reason(), f.getMessage(), f.hint());
    }
    if (e instanceof OutOfMemoryError) {
      return new Diagnosis(ExitCodes.INTERNAL, "OUT_OF_MEMORY", "out of memory: " + e.getMessage(),
          Optional.of("give the CLI more memory, e.g. SEALDROP_JAVA_OPTS=-Xmx1g (the launcher's default is 512 MiB),"
              + " and re-run the same command"));
    }
    return new Diagnosis(ExitCodes.INTERNAL, "INTERNAL",
        "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
        Optional.of("this is a bug in sealdrop; re-run with --verbose and report the output"));
  }

  /** The exit code of a failure, by its sealed subtype. */
  public static ExitCodes exitFor(SealdropFailure f) {
    if (f instanceof UsageFailure) {
      return ExitCodes.USAGE;
    } else if (f instanceof AuthFailure) {
      return ExitCodes.AUTH;
    } else if (f instanceof GrantFailure) {
      return ExitCodes.NOT_REDEEMABLE;
    } else if (f instanceof IntegrityFailure) {
      return ExitCodes.INTEGRITY;
    } else if (f instanceof PermissionFailure) {
      return ExitCodes.PERMISSION;
    } else if (f instanceof KeyStoreFailure) {
      return ExitCodes.KEYSTORE;
    } else if (f instanceof NetworkFailure) {
      return ExitCodes.UNAVAILABLE;
    }
    throw new IllegalStateException("unhandled failure type " + f.getClass().getName());
  }

  /** The operating system's words for EPERM. */
  private static final String NOT_PERMITTED = "Operation not permitted";

  private static SealdropFailure translate(Throwable e) {
    if (e instanceof SealdropFailure f) {
      return f;
    }
    if (e instanceof StatusRuntimeException s) {
      return GrpcFailures.translate(s, GrpcFailures.Op.GENERIC);
    }
    SealdropFailure envelope = EnvelopeFailures.translate(e);
    if (envelope != null) {
      return envelope;
    }
    if (e instanceof InputFile.Changed c) {
      return new UsageFailure("FILE_CHANGED", c.getMessage() + "; nothing sealed from it was kept or granted",
          "wait until whatever writes " + c.file().getFileName() + " has finished (or send a copy of it), then run the"
              + " same command again");
    }
    if (e instanceof InputFile.Unreadable u) {
      return new UsageFailure("READ_FAILED", u.getMessage() + "; nothing sealed from it was kept or granted",
          "check the file and the disk it is on (`dmesg` may say more), or send a copy of it; then run the same"
              + " command again");
    }
    if (e instanceof NoSuchFileException n) {
      return new UsageFailure("FILE_NOT_FOUND", "no such file: " + n.getFile(), "check the path and try again");
    }
    if (e instanceof FileAlreadyExistsException x) {
      UsageFailure node = nodeInTheWay(x, "");
      if (node != null) {
        return node;
      }
      UsageFailure folder = folderInTheWay(x, "");
      return folder != null ? folder : new UsageFailure("FILE_EXISTS", "refusing to overwrite " + x.getFile(),
          "choose another output path, move the existing file away, or add --force to replace it");
    }
    if (e instanceof AccessDeniedException || e instanceof FileSystemException f && NOT_PERMITTED.equals(f.getReason())) {
      // EACCES, or EPERM (an immutable or append-only file or folder, a root-owned sticky folder, a security module)
      FileSystemException a = (FileSystemException) e;
      String why = e instanceof AccessDeniedException ? "permission denied" : "operation not permitted";
      String folder = temporaryFileFolder(a.getFile());
      if (folder != null) {
        // a file the user never named: the output is written beside its target, then renamed
        return new UsageFailure("ACCESS_DENIED", "cannot write into " + folder + ": " + why,
            "check the folder's permissions and attributes (`ls -ld`, `lsattr -d`), or choose another output folder"
                + " or file");
      }
      return new UsageFailure("ACCESS_DENIED", "cannot access " + a.getFile() + ": " + why,
          "check the file's permissions and attributes (`ls -l`, `lsattr`)");
    }
    if (e instanceof IOException io) {
      return localDisk(io);
    }
    return null;
  }

  /**
   * NOT_A_REGULAR_FILE for an output name taken by a device, pipe or socket, which sealdrop never replaces, {@code
   * --force} or not (the envelope library refuses to); null if {@code e} names none. {@code then} is appended to the
   * hint (what a re-run does).
   */
  static UsageFailure nodeInTheWay(FileAlreadyExistsException e, String then) {
    if (e.getFile() == null) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(e.getFile());
    if (!java.nio.file.Files.exists(p) || java.nio.file.Files.isRegularFile(p) || java.nio.file.Files.isDirectory(p)) {
      return null;
    }
    return new UsageFailure("NOT_A_REGULAR_FILE", e.getFile() + " is not a regular file (a device, pipe or socket);"
        + " sealdrop does not replace such a node, --force or not", "move it away, or choose another -o" + then, e);
  }

  /**
   * FILE_EXISTS for an output name taken by a folder, which {@code --force} never replaces (so the
   * hint must not send the user round in circles asking for it); null if {@code e} names no folder.
   * {@code then} is appended to the hint (what a re-run does).
   */
  static UsageFailure folderInTheWay(FileAlreadyExistsException e, String then) {
    if (e.getFile() == null || !java.nio.file.Files.isDirectory(java.nio.file.Path.of(e.getFile()))) {
      return null;
    }
    return new UsageFailure("FILE_EXISTS", "refusing to write " + e.getFile() + ": a folder of that name is in the way",
        "--force never replaces a folder: rename or move that folder away, or choose another -o" + then, e);
  }

  /**
   * The folder of {@code file} if it is one of the CLI's own temporary files (hidden, ending in
   * {@code .part}, created beside an output before it is renamed into place), else null.
   */
  static String temporaryFileFolder(String file) {
    if (file == null) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(file);
    java.nio.file.Path name = p.getFileName();
    if (name == null || !name.toString().startsWith(".") || !name.toString().endsWith(".part")) {
      return null;
    }
    java.nio.file.Path parent = p.getParent();
    return parent == null ? "the current folder" : parent.toString();
  }

  /**
   * A full or read-only local disk ({@link LocalDisk}), naming the file if the failure names one. A file of a profile
   * (its state, locks, spools) is the profile's disk, which another output folder does not help (round BF's note: a
   * read-only profile's receive was told to choose another -o): the hint then names the profile.
   */
  private static SealdropFailure localDisk(IOException e) {
    java.nio.file.Path profile = profileHolding(e);
    String elsewhere = profile == null ? LocalDisk.OTHER_OUTPUT
        : "copy the profile " + profile + " to a disk that is writable and has room, and give that copy with --home";
    UsageFailure refusal = LocalDisk.refusal(e, null, elsewhere, "then run the same command again").orElse(null);
    if (refusal != null && profile != null && refusal.reason().equals("READ_ONLY_FILE_SYSTEM")) {
      // the profile folder cannot be written where the command must: the profile's failure (exit 7), as docs/cli.md
      // lists it, not a usage error
      return new dev.sealdrop.client.failure.KeyStoreFailure("PROFILE_UNWRITABLE", refusal.getMessage()
          + " (the profile " + profile + ")", refusal.hint().orElse(null), e);
    }
    return refusal;
  }

  /** What a profile folder holds: a file is the profile's if its path below the profile starts with one of these. */
  private static final java.util.Set<String> PROFILE_ENTRIES = java.util.Set.of("profile.properties", "tls", "keys",
      "trusted", "state", "checkpoints");

  /**
   * The profile folder holding the file {@code e} names (the nearest folder above it with a {@code profile.properties},
   * if the file is one of that profile's own: under {@code state/}, {@code keys/}, ..., or a temporary file beside its
   * settings), or null if it names none or the file is in no profile (an output folder made inside a profile folder is
   * not the profile's: session 45's read, an output folder made inside a profile folder took the profile's hint).
   */
  static java.nio.file.Path profileHolding(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
        java.nio.file.Path file = java.nio.file.Path.of(f.getFile()).toAbsolutePath().normalize();
        for (java.nio.file.Path p = file.getParent(); p != null; p = p.getParent()) {
          if (java.nio.file.Files.isRegularFile(p.resolve("profile.properties"))) {
            String first = p.relativize(file).getName(0).toString();
            boolean own = PROFILE_ENTRIES.contains(first)
                || p.equals(file.getParent()) && dev.sealdrop.client.keystore.SecureFiles.isTemporary(first);
            return own ? p : null;
          }
        }
        return null;
      }
    }
    return null;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while (e instanceof CommandLine.ExecutionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
