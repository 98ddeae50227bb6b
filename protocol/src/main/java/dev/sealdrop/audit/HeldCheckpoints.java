package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.KeyFiles;
import dev.sealdrop.audit.internal.RecordEncoding;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A directory of checkpoints kept outside the server: what each party's CLI stores from transfer
 * responses and what {@code sealdrop audit verify --checkpoints DIR} reads. One note per file,
 * named {@code <sha256 of the note>.note}, so storing the same checkpoint twice is harmless.
 * Signatures are not checked here; {@link AuditVerifier} checks them against the log's key.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the directory is the user's own CLI state or argument")
public final class HeldCheckpoints {
  /**
   * Most files read from one directory; a directory with more is refused ({@link TooManyNotesException}), not silently
   * cut. About a year of an active party's notes (a few hundred a day); 100,000 take about 150 MiB of heap to check
   * (measured: 10,000 verify within a 16 MiB heap).
   */
  public static final int MAX_FILES = 100_000;

  /** A directory holds more than {@link #MAX_FILES} notes: split it (by age) and verify against each part. */
  public static final class TooManyNotesException extends IOException {
    private static final long serialVersionUID = 1L;

    TooManyNotesException(Path dir) {
      super("checkpoint folder " + dir + " holds more than " + MAX_FILES + " *.note files, the most one verification"
          + " reads");
    }
  }

  private HeldCheckpoints() {}

  /** Stores a checkpoint (atomically, owner-only); returns its file. Idempotent. */
  public static Path save(Path dir, SignedCheckpoint checkpoint) throws IOException {
    byte[] digest = RecordEncoding.sha256().digest(checkpoint.note().getBytes(StandardCharsets.UTF_8));
    Path file = dir.resolve(HexFormat.of().formatHex(digest) + ".note");
    if (Files.exists(file)) {
      return file;
    }
    try {
      KeyFiles.writeOwnerOnly(file, checkpoint.note());
    } catch (FileAlreadyExistsException e) {
      // stored concurrently by another process: same name, same content
    }
    return file;
  }

  /**
   * Reads every {@code *.note} file in {@code dir}. A file that is not a valid checkpoint note, or a folder named
   * like one, is an error naming it: a held checkpoint that cannot be read must not be skipped silently.
   */
  public static List<SignedCheckpoint> load(Path dir) throws IOException {
    return List.copyOf(loadByFile(dir).values());
  }

  /** {@link #load}, each checkpoint with the file it was read from (in file-name order). */
  public static java.util.SortedMap<Path, SignedCheckpoint> loadByFile(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().endsWith(".note")).limit(MAX_FILES + 1L).sorted().toList();
    }
    if (files.size() > MAX_FILES) {
      throw new TooManyNotesException(dir);
    }
    java.util.SortedMap<Path, SignedCheckpoint> out = new java.util.TreeMap<>();
    for (Path f : files) {
      if (Files.isDirectory(f)) {
        // named, not skipped: notes kept in it are not read, and reading it as one fails as "Is a directory"
        throw new AuditFormatException("held checkpoint " + f + " is a folder, not a note file: only the *.note files"
            + " directly in " + dir + " are read, not those in its sub-folders");
      }
      if (!Files.isRegularFile(f)) {
        // a pipe would block the read for ever, a device (/dev/zero) never ends: the folder is the auditor's input
        throw new AuditFormatException("held checkpoint " + f + (Files.isSymbolicLink(f) && !Files.exists(f)
            ? " is a link to nothing" : " is not a regular file (a pipe, a device or a socket, or a link to one)")
            + ", so it is not a checkpoint note: remove it from " + dir);
      }
      long most = SignedCheckpoint.MAX_NOTE_CHARS * 4L;
      byte[] bytes;
      try (java.io.InputStream in = Files.newInputStream(f)) {
        bytes = in.readNBytes((int) most + 1);
      }
      if (bytes.length > most) {
        throw new AuditFormatException("held checkpoint " + f + " is too large to be a checkpoint note");
      }
      try {
        out.put(f, SignedCheckpoint.parse(StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(bytes)).toString()));
      } catch (AuditFormatException e) {
        throw new AuditFormatException("held checkpoint " + f + ": " + e.getMessage(), e);
      } catch (java.nio.charset.MalformedInputException e) {
        // the JDK's text is "Input length = 1" (outside test)
        throw new AuditFormatException("held checkpoint " + f + " is not UTF-8 text, so it is not a checkpoint note", e);
      }
    }
    return out;
  }
}
