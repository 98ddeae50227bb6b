package dev.sealdrop.envelope;

import dev.sealdrop.envelope.internal.FileNames;
import dev.sealdrop.envelope.internal.Opener;
import dev.sealdrop.envelope.internal.Sealer;
import dev.sealdrop.envelope.internal.Suite;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import dev.sealdrop.keys.internal.AtomicFiles;
import dev.sealdrop.keys.internal.DirectFileOutput;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Seal files for recipients and open them (format: {@code docs/envelope-format.md}). Keys,
 * nonces and randomness never appear in this API; opening releases plaintext at its final path
 * only after every chunk and the sender's signature verified.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "target paths come from the local user; names from envelopes go through FileNames.sanitize")
public final class Envelope {
  /** The name every temporary plaintext file of this class starts with. */
  public static final String PARTIAL_PREFIX = ".sealdrop-";

  /** The most distinct recipient keys one envelope can be sealed for (docs/envelope-format.md, Limits). */
  public static final int MAX_RECIPIENTS = Suite.MAX_RECIPIENTS;

  /**
   * The bytes after an envelope's last chunk: the sender's signature (docs/envelope-format.md, Trailer). Everything
   * before them can be opened chunk by chunk, so a reader holding all but the trailer holds the whole plaintext.
   */
  public static final int TRAILER_BYTES = Suite.TRAILER_BYTES;

  /**
   * The bytes at an envelope's end that carry no ciphertext: the last chunk's AES-GCM tag and the trailer. AES-GCM
   * decrypts without its tag (counter mode), so a reader holding all but these bytes holds the whole plaintext, if
   * unauthenticated.
   */
  public static final int TAIL_WITHOUT_CIPHERTEXT_BYTES =
      dev.sealdrop.keys.internal.Primitives.GCM_TAG_BYTES + Suite.TRAILER_BYTES;

  private static final Pattern PARTIAL_PREFIX_FORM =
      Pattern.compile(Pattern.quote(PARTIAL_PREFIX) + "[A-Za-z0-9_-]{0,64}");

  private Envelope() {}

  /**
   * Starts sealing: writes the header to {@code out} and returns the stream to write exactly
   * {@code metadata.size()} plaintext bytes into. {@code close()} writes the last chunk and the
   * signed trailer; it flushes but does not close {@code out}. Add the sender's own
   * {@link RecipientKey} to {@code recipients} to be able to re-open the upload.
   */
  public static SealingOutputStream seal(OutputStream out, String senderIdentity, PrivateKeys sender,
      List<RecipientKey> recipients, FileMetadata metadata) throws IOException {
    return Sealer.create(out, senderIdentity, sender, recipients, metadata);
  }

  /**
   * Opens into a temporary file beside {@code target} and renames it onto {@code target}
   * (replacing it) only after the trailer verified; on any failure the temporary file is
   * deleted and {@code target} is untouched.
   *
   * @throws EnvelopeException (a subtype saying why) if the envelope is refused
   */
  public static OpenedFile openToFile(InputStream in, PrivateKeys me, SenderPolicy trust, Path target)
      throws IOException {
    return openToFile(in, me, trust, target, PARTIAL_PREFIX);
  }

  /**
   * Like {@link #openToFile(InputStream, PrivateKeys, SenderPolicy, Path)}, with the temporary file's name starting
   * with {@code partialPrefix} ({@link #PARTIAL_PREFIX} and at most 64 letters, digits, '-' or '_'): a caller that
   * names each of its opens can find and delete what a killed one left.
   */
  public static OpenedFile openToFile(InputStream in, PrivateKeys me, SenderPolicy trust, Path target,
      String partialPrefix) throws IOException {
    return openToFile(in, me, trust, target, partialPrefix, true);
  }

  /**
   * Like {@link #openToFile(InputStream, PrivateKeys, SenderPolicy, Path, String)}; with {@code overwrite} false, a
   * {@code target} that exists when the verified file is published (created while it was being opened) is never
   * replaced: {@link java.nio.file.FileAlreadyExistsException}, and the temporary file is deleted.
   */
  public static OpenedFile openToFile(InputStream in, PrivateKeys me, SenderPolicy trust, Path target,
      String partialPrefix, boolean overwrite) throws IOException {
    return openToFile(in, me, trust, target, partialPrefix, overwrite, null);
  }

  /**
   * Like {@link #openToFile(InputStream, PrivateKeys, SenderPolicy, Path, String, boolean)}, for a file known by its
   * fingerprint in advance (its sender told it): an envelope that verifies but has another fingerprint is refused
   * before anything is published ({@link NotTheExpectedFileException}), and its temporary plaintext is deleted.
   *
   * @param expectedFingerprint hex SHA-256 of the signed ciphertext (as {@link OpenedFile#fingerprint()}, in either
   *     case); null to accept any file that verifies
   */
  public static OpenedFile openToFile(InputStream in, PrivateKeys me, SenderPolicy trust, Path target,
      String partialPrefix, boolean overwrite, String expectedFingerprint) throws IOException {
    Objects.requireNonNull(target, "target");
    if (!isPartialPrefix(partialPrefix)) {
      throw new IllegalArgumentException("envelope: a temporary-file prefix must be " + PARTIAL_PREFIX
          + " followed by at most 64 letters, digits, '-' or '_'");
    }
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = AtomicFiles.createTemp(dir, partialPrefix);
    try {
      Opener.Result r = openInto(in, me, trust, tmp, null, null);
      requireExpected(expectedFingerprint, r);
      if (overwrite) {
        AtomicFiles.replace(tmp, target);
      } else {
        AtomicFiles.publishNew(tmp, target);
      }
      return new OpenedFile(target, r.metadata(), r.senderIdentity(), r.fingerprint());
    } catch (IOException | RuntimeException | Error e) {
      AtomicFiles.deleteQuietly(tmp);
      throw e;
    }
  }

  /**
   * Like {@link #openToFile}, naming the file after the (sanitised) name in the encrypted
   * metadata, inside {@code directory}. Refuses to replace an existing file unless
   * {@code overwrite} ({@link FileAlreadyExistsException}), checked before decrypting and again,
   * atomically, when the file is published.
   */
  public static OpenedFile openIntoDirectory(InputStream in, PrivateKeys me, SenderPolicy trust, Path directory,
      boolean overwrite) throws IOException {
    return openIntoDirectory(in, me, trust, directory, overwrite, PARTIAL_PREFIX);
  }

  /**
   * Like {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path, boolean)}, with the
   * temporary file named {@code partialPrefix + RANDOM + ".part"}. A caller that resumes a transfer
   * across processes gives each transfer its own prefix, so that it can find and delete what a
   * killed earlier run of the same transfer left behind (no {@code finally} runs on SIGKILL).
   *
   * @param partialPrefix {@link #PARTIAL_PREFIX} followed by at most 64 letters, digits, '-' or '_'
   */
  public static OpenedFile openIntoDirectory(InputStream in, PrivateKeys me, SenderPolicy trust, Path directory,
      boolean overwrite, String partialPrefix) throws IOException {
    return openIntoDirectory(in, me, trust, directory, overwrite, partialPrefix, null);
  }

  /**
   * Like {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path, boolean, String)}, for an
   * input that may break off and be continued later (a download): if reading {@code in} fails (an
   * {@link IOException} from the stream, not a refused envelope) once the header verified, the envelope's
   * bytes verified so far (the header and every chunk opened) are re-created from the plaintext written so
   * far and replace {@code resumeFile}, an owner-only file that is not fsynced, before the temporary
   * plaintext is deleted; a later run reads them back and continues the input from there, without anyone
   * keeping the ciphertext while it arrived (docs/envelope-format.md, "Resuming an interrupted open").
   * Only bytes identical to those that arrived are ever written. The failure is then rethrown; if keeping
   * the prefix failed (a full disk), that failure is attached to it as suppressed and {@code resumeFile}
   * is as it was.
   *
   * @param resumeFile where to keep the verified prefix; null to keep nothing. It is written through a
   *     temporary file {@code .NAME-RANDOM.part} beside it, which only a killed process leaves behind:
   *     {@link #removeResumeLeftovers} deletes those
   */
  public static OpenedFile openIntoDirectory(InputStream in, PrivateKeys me, SenderPolicy trust, Path directory,
      boolean overwrite, String partialPrefix, Path resumeFile) throws IOException {
    return openIntoDirectory(in, me, trust, directory, overwrite, partialPrefix, resumeFile, null);
  }

  /**
   * Like {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path, boolean, String, Path)}, for a file
   * known by its fingerprint in advance (a grant names it): an envelope that verifies but has another fingerprint is
   * refused before anything is published ({@link NotTheExpectedFileException}): another intact file of the same
   * sender for the same recipient, put in its place. Its temporary plaintext is deleted.
   *
   * @param expectedFingerprint hex SHA-256 of the signed ciphertext (as {@link OpenedFile#fingerprint()}, in either
   *     case); null to accept any file that verifies
   */
  public static OpenedFile openIntoDirectory(InputStream in, PrivateKeys me, SenderPolicy trust, Path directory,
      boolean overwrite, String partialPrefix, Path resumeFile, String expectedFingerprint) throws IOException {
    return openIntoDirectory(in, me, trust, directory, overwrite, partialPrefix, resumeFile, expectedFingerprint,
        Placement.NONE);
  }

  /**
   * What the caller of {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path, boolean, String, Path,
   * String, Placement)} is told as the file is placed; either may refuse by throwing (the temporary plaintext is then
   * deleted and nothing is published).
   */
  public interface Placement {
    /** Tells nothing. */
    Placement NONE = new Placement() {};

    /** As soon as the decrypted metadata names the file: {@code target} is where it will be published. */
    default void named(Path target) throws IOException {}

    /**
     * The whole envelope verified: {@code file} is about to be published at {@link OpenedFile#path()} from {@code
     * temporary}, which becomes it (a rename or a link: the same file, so the same {@code fileKey}). Whatever a
     * process stopped right after publishing must know (where the file went) can be recorded here, before it appears.
     */
    default void publishing(Path temporary, OpenedFile file) throws IOException {}
  }

  /**
   * Like {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path, boolean, String, Path, String)},
   * telling {@code placement} where the file goes, before it is there.
   */
  public static OpenedFile openIntoDirectory(InputStream in, PrivateKeys me, SenderPolicy trust, Path directory,
      boolean overwrite, String partialPrefix, Path resumeFile, String expectedFingerprint, Placement placement)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(placement, "placement");
    if (!isPartialPrefix(partialPrefix)) {
      throw new IllegalArgumentException("envelope: a temporary-file prefix must be " + PARTIAL_PREFIX
          + " followed by at most 64 letters, digits, '-' or '_'");
    }
    if (!Files.isDirectory(directory)) {
      // typed, so that a caller tells a folder removed (or moved) since it checked it from a failure of its own
      throw Files.exists(directory) ? new java.nio.file.NotDirectoryException(directory.toString())
          : new java.nio.file.NoSuchFileException(directory.toString(), null, "the folder does not exist");
    }
    Path tmp = AtomicFiles.createTemp(directory, partialPrefix);
    try {
      // the fallback name of a name that sanitizes to nothing holds the fingerprint, known at the end: a file whose
      // fingerprint is expected (a grant names it) is checked under its real name now (review EE: the check looked at
      // "sealdrop-unknown-fingerpr.bin", and a receive found the name taken only after the whole download)
      String knownFingerprint = expectedFingerprint == null ? "unknown-fingerprint"
          : expectedFingerprint.toLowerCase(java.util.Locale.ROOT);
      Opener.Result r = openInto(in, me, trust, tmp, resumeFile, m -> {
        Path early = FileNames.resolveIn(directory, m.fileName(), knownFingerprint);
        if (Files.isDirectory(early)) {
          throw new FileAlreadyExistsException(early.toString(), null, "a folder of that name exists");
        }
        // a link to nothing is an entry all the same, which the publish would refuse after every chunk (review RJ)
        if (!overwrite && Files.exists(early, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          throw new FileAlreadyExistsException(early.toString(), null, "refusing to overwrite; pass overwrite");
        }
        placement.named(early);
      });
      requireExpected(expectedFingerprint, r);
      Path target = FileNames.resolveIn(directory, r.metadata().fileName(), r.fingerprint());
      OpenedFile opened = new OpenedFile(target, r.metadata(), r.senderIdentity(), r.fingerprint());
      placement.publishing(tmp, opened);
      if (overwrite) {
        AtomicFiles.replace(tmp, target);
      } else {
        AtomicFiles.publishNew(tmp, target);
      }
      return opened;
    } catch (IOException | RuntimeException | Error e) {
      AtomicFiles.deleteQuietly(tmp);
      throw e;
    }
  }

  /**
   * Deletes the temporary files that an {@link #openIntoDirectory(InputStream, PrivateKeys, SenderPolicy, Path,
   * boolean, String, Path) open} killed while it kept its verified prefix in {@code resumeFile} left beside it.
   * Call it only while no open of that resume file runs.
   */
  public static void removeResumeLeftovers(Path resumeFile) throws IOException {
    Path dir = resumeFile.toAbsolutePath().getParent();
    String prefix = dev.sealdrop.envelope.internal.VerifiedPrefix.temporaryFilePrefix(resumeFile);
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(prefix) && name.endsWith(".part")) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Refuses a verified envelope that is not the file {@code expectedFingerprint} names (null: any file). */
  private static void requireExpected(String expectedFingerprint, Opener.Result r) throws NotTheExpectedFileException {
    if (expectedFingerprint != null && !expectedFingerprint.equalsIgnoreCase(r.fingerprint())) {
      throw new NotTheExpectedFileException(expectedFingerprint.toLowerCase(java.util.Locale.ROOT), r.fingerprint());
    }
  }

  private static boolean isPartialPrefix(String p) {
    return p != null && PARTIAL_PREFIX_FORM.matcher(p).matches();
  }

  private static Opener.Result openInto(InputStream in, PrivateKeys me, SenderPolicy trust, Path tmp,
      Path resumeFile, Opener.MetadataCheck check) throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(me, "me");
    Objects.requireNonNull(trust, "trust");
    Opener.Result r;
    // the plaintext goes to the disk (past the page cache) while the rest is still being opened; sync() waits
    // for the remainder
    try (DirectFileOutput os = DirectFileOutput.overwrite(tmp)) {
      Opener.InputFailure keep = resumeFile == null ? null : (verified, cause) -> {
        try {
          os.flush(); // every verified chunk's plaintext, to read back
          if (verified.recreate(tmp, resumeFile) < 0) {
            cause.addSuppressed(new IOException("the plaintext written so far no longer re-creates what arrived;"
                + " nothing more was kept to resume"));
          }
        } catch (IOException | RuntimeException e) {
          cause.addSuppressed(e);
        }
      };
      r = Opener.open(in, me, trust, os, check, keep);
      os.sync();
    }
    return r;
  }
}
