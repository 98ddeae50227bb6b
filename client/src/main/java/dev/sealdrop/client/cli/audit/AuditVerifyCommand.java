package dev.sealdrop.client.cli.audit;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.audit.AuditFormatException;
import dev.sealdrop.audit.AuditLogEntry;
import dev.sealdrop.audit.AuditLogReader;
import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.AuditVerifier;
import dev.sealdrop.audit.HeldCheckpoints;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.audit.VerificationResult;
import dev.sealdrop.client.cli.Diagnoser;
import dev.sealdrop.client.cli.EmptyArgument;
import dev.sealdrop.client.cli.ExitCodes;
import dev.sealdrop.client.cli.SealdropCommand;
import dev.sealdrop.client.cli.WithGlobalOptions;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sealdrop audit verify FILE [--key KEY] [--checkpoints DIR]}: checks the hash chain and
 * every checkpoint offline and names the first record where the log breaks (exit 5).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Verify an audit export (or log) offline: every record's hash and link, every sequence number, "
        + "every signed checkpoint, and consistency with checkpoints held outside the server (--checkpoints).",
        "Prints OK with the record count and chain head, or names the FIRST record where the log breaks and exits 5.",
        "Without --key only the key the file names itself is used: that proves consistency, not who signed."},
    footer = {"  sealdrop audit verify audit.jsonl --key audit-key.txt \\",
        "      --checkpoints ~/held-checkpoints",
        "  sealdrop audit verify audit.jsonl --key \"$(cat audit-key.txt)\" --json"})
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "paths are the local user's own arguments")
final class AuditVerifyCommand extends WithGlobalOptions {
  /** A verifier key is one short line; a key file larger than this is not one. */
  static final int MAX_KEY_FILE_BYTES = 4096;

  @Parameters(index = "0", paramLabel = "FILE", description = "The export (JSON Lines), e.g. from `sealdrop admin audit export`.")
  Path file;

  @Option(names = "--key", paramLabel = "KEY_FILE_OR_TEXT",
      description = "The audit verifier key (NAME+KEYID+BASE64), or a file holding it. Obtain it out of band: "
          + "it always wins over the key the file names.")
  String key;

  @Option(names = "--checkpoints", paramLabel = "DIR",
      description = "A folder of checkpoints held outside the server (*.note): detects a truncated or re-signed log.")
  Path checkpoints;

  @Option(names = "--allow-unsigned-tail",
      description = "Accept records after the last signed checkpoint (a live log copy); they are reported as a warning.")
  boolean allowUnsignedTail;

  /** The held checkpoints by the file each came from (with --checkpoints), to name a file a failure is about. */
  private java.util.SortedMap<Path, SignedCheckpoint> heldFiles;

  @Override
  public Integer call() throws Exception {
    // an empty --key (an unset shell variable) is named as such (empty paths: EmptyArgument's converter)
    if (key != null && key.isBlank()) {
      throw EmptyArgument.failure("--key", "give the audit verifier key NAME+KEYID+BASE64, or the file that holds it");
    }
    if (Files.isDirectory(file)) {
      throw new UsageFailure("IS_A_FOLDER", file + " is a folder; audit verify checks one export file",
          "give the path of an audit export (`sealdrop admin audit export -o FILE` writes one)");
    }
    if (!Files.exists(file)) {
      throw new UsageFailure("FILE_NOT_FOUND", "no such file: " + file, "give the path of an audit export");
    }
    if (!Files.isRegularFile(file)) {
      throw new UsageFailure("NOT_A_REGULAR_FILE", file + " is not a regular file (a device, pipe or socket)",
          "give the path of an audit export (`sealdrop admin audit export -o FILE` writes one)");
    }
    AuditPublicKey given = key == null ? null : parseKey(key);
    AuditVerifier verifier = given == null ? AuditVerifier.withEmbeddedKey() : AuditVerifier.withKey(given);
    if (checkpoints != null) {
      // without --key, the held notes are checked against the key the file's header names, so an
      // altered held note is still named by its file rather than blamed on the export
      heldFiles = loadHeld(checkpoints, given != null ? given : embeddedKey(file));
      verifier = verifier.holding(List.copyOf(heldFiles.values()));
    }
    if (allowUnsignedTail) {
      verifier = verifier.allowingUnsignedTail();
    }
    VerificationResult r;
    try {
      r = verifier.verify(file);
    } catch (IOException e) {
      throw new UsageFailure("READ_FAILED", "cannot read " + file + ": " + IoReason.of(e),
          "check the path and its permissions", e);
    }
    Output output = ((SealdropCommand) spec.root().userObject()).output();
    for (VerificationResult.Warning w : r.warnings()) {
      output.warn(w.kind() + ": " + w.message());
    }
    if (r.failure().isEmpty() && checkpoints != null && r.heldCheckpointsVerified() == 0
        && r.hasWarning(VerificationResult.Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN)) {
      // asked to check the log against held checkpoints, none of which is of this log: the check asked for did not
      // happen, and a script reading only the exit status must not take this for a pass (outside test: a log
      // rewritten under a new name and key verified, exit 0, with the held checkpoints all ignored)
      throw new IntegrityFailure("NO_HELD_CHECKPOINT_OF_THIS_LOG", "the audit log verifies on its own, but none of"
          + " the held checkpoints in " + checkpoints + " is of this log ('" + r.origin() + "'), so it was not checked"
          + " against them", "check that " + checkpoints + " holds checkpoints this server's log gave you (each profile"
          + " keeps them in its checkpoints/ folder); if it does, this file is another log, or this log was rewritten"
          + " under another name and key: verify it with the key the operator published (--key) and keep both as"
          + " evidence");
    }
    if (r.failure().isEmpty() && checkpoints != null
        && r.hasWarning(VerificationResult.Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN)) {
      // some held checkpoints are of this log, others of another the key did not sign: the log the parties were given
      // before was replaced, and the history those checkpoints cover is not in this file (review DL: a log swapped for
      // a new one under a new origin and key verified, exit 0, once a party had used the server again)
      String others = r.warnings().stream()
          .filter(w -> w.kind() == VerificationResult.Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN)
          .map(VerificationResult.Warning::message).collect(java.util.stream.Collectors.joining("; "));
      throw new IntegrityFailure("HELD_CHECKPOINTS_OF_ANOTHER_LOG", "the audit log is consistent with the "
          + r.heldCheckpointsVerified() + " held checkpoint(s) of this log ('" + r.origin() + "'), but " + checkpoints
          + " also holds checkpoints of another log, not signed by this log's key (" + others + "): the log the server"
          + " gave out before was replaced (by its operator, who must say why and hand over that log and its key, or"
          + " by whoever took the server), and the history those checkpoints cover is not in this file", "get the"
          + " other log's export and key from the operator and verify it against these checkpoints; if they are"
          + " another server's, move them out of " + checkpoints + " (the first line of a note names its log) and"
          + " run this again");
    }
    if (r.failure().isEmpty()) {
      output.emit(VerifyReport.valid(file, r));
      return ExitCodes.OK.code();
    }
    VerificationResult.Failure f = r.failure().get();
    // a held checkpoint bounds a rewrite but cannot name its record (the message gives the range; round CG read
    // "breaks at record 215" for an edit of record 205)
    IntegrityFailure failure = new IntegrityFailure(f.reason().name(), "the audit log breaks at "
        + (f.reason() == VerificationResult.Reason.REWRITTEN && f.message().contains("one or more of ") ? "or before "
        : "") + "record "
        + f.sequence() + " (" + f.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + "): " + f.message()
        + heldFileNamed(r, f),
        hint(f.reason(), r.keySource()));
    output.note("error: " + failure.getMessage());
    output.note("hint: " + failure.hint().orElse(""));
    int exit = Diagnoser.exitFor(failure).code();
    output.emit(VerifyReport.invalid(file, r, f, exit, failure));
    return exit;
  }

  static String hint(VerificationResult.Reason reason, VerificationResult.KeySource keySource) {
    switch (reason) {
      case TRUNCATED:
        return "verify an export made now: every later command saves a newer checkpoint, so an older export ends"
            + " before it; if an export made after the checkpoint still lacks those records, they were removed:"
            + " keep both as evidence";
      case REWRITTEN:
        return "the export disagrees with a checkpoint held outside the server: its history was changed since"
            + " (the message says how: edited, which needs no key, or re-signed by the audit key's holder); keep both"
            + " as evidence";
      case UNTRUSTED_CHECKPOINT_KEY:
        return (keySource == VerificationResult.KeySource.GIVEN ? "the checkpoint is not signed by the given key: check"
            + " --key." : "the checkpoint is not signed by the key the file's header names (no --key was given): the"
            + " header and that checkpoint are not of one log; get the audit key out of band and verify with --key.")
            + " If it is a held one (--checkpoints), that"
            + " folder may also hold another sealdrop server's checkpoints (one of the same audit-origin, e.g. a"
            + " profile re-pointed with init --force): keep each server's apart and verify again. Otherwise the checkpoint"
            + " was altered (its key id edited needs no key), or the log re-signed with another key: keep both as"
            + " evidence";
      case UNSIGNED_RECORDS:
        return "records after the last signed checkpoint are unproven; for a live log copy use --allow-unsigned-tail";
      case MALFORMED:
        return "the file is not a sealdrop audit export, or it was damaged; get a fresh export";
      default:
        return "the log was altered after it was written; keep the file as evidence and compare with an earlier export";
    }
  }

  static AuditPublicKey parseKey(String given) throws UsageFailure {
    String text = given.strip();
    Path asFile = null;
    try {
      asFile = Path.of(text);
    } catch (InvalidPathException e) {
      // not a path: treat as key text
    }
    // a regular file, or a pipe (`--key <(ssh host cat audit-key.txt)`; round CP: "no such file" for one that is there)
    boolean readable = asFile != null && Files.exists(asFile) && !Files.isDirectory(asFile);
    if (readable) {
      try {
        byte[] bytes;
        try (java.io.InputStream in = Files.newInputStream(asFile)) {
          bytes = in.readNBytes(MAX_KEY_FILE_BYTES + 1);
        }
        if (bytes.length > MAX_KEY_FILE_BYTES) {
          throw new UsageFailure("BAD_KEY", asFile + " is too large to be an audit verifier key",
              "give the key text NAME+KEYID+BASE64, or a file holding only it");
        }
        text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(bytes)).toString().strip();
        if (text.startsWith("\uFEFF")) {
          // an editor's byte-order mark, as passphrase files may have (outside test: "holds no audit verifier key")
          text = text.substring(1).strip();
        }
      } catch (java.nio.charset.CharacterCodingException e) {
        // the JDK's text is "Input length = 1" (outside test: a key file saved as UTF-16 by a Windows editor)
        throw new UsageFailure("BAD_KEY", "the key file " + asFile + " is not UTF-8 text (saved as UTF-16?)",
            "save it as UTF-8 (or plain ASCII): it holds one line, NAME+KEYID+BASE64", e);
      } catch (IOException e) {
        throw new UsageFailure("BAD_KEY", "cannot read the key file " + asFile + ": " + IoReason.of(e),
            "check the path and its permissions", e);
      }
    }
    if (text.startsWith("PRIVATE+KEY+")) {
      throw new UsageFailure("PRIVATE_KEY_GIVEN", "--key holds the server's PRIVATE audit key",
          "give the verifier (public) key instead, and protect the private key: it should never leave the server");
    }
    try {
      return AuditPublicKey.parse(text);
    } catch (IllegalArgumentException e) {
      String hint = "give the path of the file that holds the key, or the key text NAME+KEYID+BASE64 as `sealdrop"
          + " admin audit export` prints it";
      if (readable) {
        // what the file holds is not repeated: it may be anything (a token, a passphrase file given by mistake)
        throw new UsageFailure("BAD_KEY", "--key " + asFile + ": the file holds no audit verifier key"
            + " (NAME+KEYID+BASE64)", hint);
      }
      if (dev.sealdrop.client.cli.Sealdrop.secretKind(text).isPresent()) {
        throw new UsageFailure("BAD_KEY", "--key is " + dev.sealdrop.client.cli.Sealdrop.secretKind(text).get()
            + ", not an audit verifier key (it is not repeated here)", hint);
      }
      if (asFile != null && !text.contains("+")) {
        // key text always has NAME+KEYID+BASE64: this was meant as a file, and it is not there
        throw new UsageFailure("BAD_KEY", "--key " + asFile + ": " + (Files.isDirectory(asFile) ? "is a folder"
            : "no such file") + ", and not an audit verifier key (NAME+KEYID+BASE64) either", hint, e);
      }
      throw new UsageFailure("BAD_KEY", "--key is not an audit verifier key: " + e.getMessage(),
          "expected NAME+KEYID+BASE64 as printed by `sealdrop admin audit export`, or a file holding it", e);
    }
  }

  /**
   * The key the file's header names, or null if the file does not start with a readable header
   * (the verification that follows reports that as MALFORMED).
   */
  static AuditPublicKey embeddedKey(Path file) {
    try (AuditLogReader reader = AuditLogReader.open(file)) {
      Optional<AuditLogEntry> first = reader.next();
      return first.isPresent() && first.get() instanceof AuditLogEntry.HeaderLine header ? header.key() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The held checkpoints in {@code dir}. With a key (the given one, or else the one the file's
   * header names), one whose line from that key does not verify is refused first, naming its file:
   * the evidence held outside the server was altered or forged, which says nothing yet about the
   * export (exit 5, BAD_CHECKPOINT_SIGNATURE).
   */
  /**
   * For a held checkpoint the key did not sign ({@code UNTRUSTED_CHECKPOINT_KEY}): which file it is (the library knows
   * checkpoints, not files), as a bad signature names it (outside test: it did not).
   */
  private String heldFileNamed(VerificationResult r, VerificationResult.Failure f) {
    if (heldFiles == null || f.reason() != VerificationResult.Reason.UNTRUSTED_CHECKPOINT_KEY
        || !f.message().startsWith("a held checkpoint")) {
      return "";
    }
    List<java.util.Map.Entry<Path, SignedCheckpoint>> unsigned = heldFiles.entrySet().stream()
        .filter(e -> e.getValue().checkpoint().origin().equals(r.origin())
            && e.getValue().checkpoint().size() >= f.sequence()
            && e.getValue().check(r.key()) == SignedCheckpoint.SignatureStatus.ABSENT).toList();
    // met while the records were read, the checkpoint's size is the failure's record; past the file's last record
    // (round DA: a held checkpoint of size 12 against a log of 3 records was not named), the smallest such size
    long size = unsigned.stream().mapToLong(e -> e.getValue().checkpoint().size()).min().orElse(-1);
    List<String> named = unsigned.stream().filter(e -> e.getValue().checkpoint().size() == size)
        .map(e -> e.getKey().toString()).toList();
    return named.isEmpty() ? "" : " (held file " + String.join(", ", named) + ")";
  }

  static java.util.SortedMap<Path, SignedCheckpoint> loadHeld(Path dir, AuditPublicKey given)
      throws UsageFailure, IntegrityFailure {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UsageFailure("NO_CHECKPOINTS_DIR", dir + " is a file, not a folder: --checkpoints takes the folder"
          + " of held *.note checkpoints", "give the folder, e.g. a profile's checkpoints/ (~/.sealdrop/checkpoints)");
    }
    if (!Files.isDirectory(dir)) {
      throw new UsageFailure("NO_CHECKPOINTS_DIR", "no such folder: " + dir, "give the folder of held *.note checkpoints");
    }
    try {
      java.util.SortedMap<Path, SignedCheckpoint> held = HeldCheckpoints.loadByFile(dir);
      if (held.isEmpty()) {
        throw new UsageFailure("NO_CHECKPOINTS", dir + " holds no *.note checkpoints",
            "give the folder where checkpoints were kept, or leave out --checkpoints");
      }
      for (java.util.Map.Entry<Path, SignedCheckpoint> e : held.entrySet()) {
        if (given != null && e.getValue().check(given) == SignedCheckpoint.SignatureStatus.INVALID) {
          throw new IntegrityFailure(VerificationResult.Reason.BAD_CHECKPOINT_SIGNATURE.name(), "held checkpoint "
              + e.getKey() + " (size " + e.getValue().checkpoint().size() + ") does not verify under the key "
              + given.name() + "+" + given.keyIdHex() + ": either the note was altered, or that key is not the one"
              + " that signed it (another key with the same name and 32-bit key id); the export was not checked",
              "compare the --key with the verifier key published when the log started (the server logs it at every"
              + " start, and admin.md says where to keep it); if it is that key, take the checkpoints again from the"
              + " party's profile (checkpoints/; the CLI keeps them as received) and keep this file as evidence: a"
              + " held checkpoint is the evidence of what the log said, so do not verify without it");
        }
      }
      return held;
    } catch (AuditFormatException e) {
      throw new UsageFailure("BAD_HELD_CHECKPOINT", e.getMessage(), "each *.note in the folder must be a signed note"
          + " file as the CLI stored it: move what the message names out of the folder (or put an intact copy in its"
          + " place), then verify again", e);
    } catch (HeldCheckpoints.TooManyNotesException e) {
      String here = dev.sealdrop.client.cli.output.ShellWords.of(dir.toString());
      String old = dev.sealdrop.client.cli.output.ShellWords.of(dir + "-old");
      throw new UsageFailure("TOO_MANY_CHECKPOINTS", e.getMessage(), "move the older notes into another folder (e.g."
          + " `mkdir " + old + " && find " + here + " -maxdepth 1 -name '*.note' -mtime +180 -exec mv -t " + old
          + " {} +`), then verify against each folder in turn; each run checks the export against the notes it is"
          + " given", e);
    } catch (IOException e) {
      // the folder itself, or the note that could not be read, as the exception names it
      String what = e instanceof FileSystemException f && f.getFile() != null ? f.getFile() : dir.toString();
      throw new UsageFailure("READ_FAILED", "cannot read " + what + ": " + IoReason.of(e),
          "check the permissions of " + what, e);
    }
  }

  /** The two result documents. */
  static final class VerifyReport {
    private VerifyReport() {}

    static Result valid(Path file, VerificationResult r) {
      return new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeStringField("status", r.status().name().toLowerCase(Locale.ROOT));
          g.writeStringField("file", JsonPath.of(file));
          common(g, r);
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          out.println("OK: " + r.records() + " records verified, chain head " + r.head());
          out.println("  origin " + r.origin() + "; key " + r.key() + " ("
              + (r.keySource() == VerificationResult.KeySource.GIVEN ? "given" : "only the one the file names") + ")");
          out.println("  " + r.checkpointsVerified() + " signed checkpoints verified; consistent with "
              + r.heldCheckpointsVerified() + " held checkpoints" + (r.warnings().isEmpty() ? ""
                  : "; " + r.warnings().size() + " warning(s) on stderr"));
        }
      };
    }

    static Result invalid(Path file, VerificationResult r, VerificationResult.Failure f, int exit,
        IntegrityFailure failure) {
      return new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", false);
          g.writeObjectFieldStart("error");
          g.writeNumberField("exit_code", exit);
          g.writeStringField("kind", ExitCodes.INTEGRITY.kind());
          g.writeStringField("reason", failure.reason());
          g.writeStringField("message", failure.getMessage());
          g.writeStringField("hint", failure.hint().orElse(""));
          g.writeEndObject();
          g.writeStringField("status", "invalid");
          g.writeStringField("file", JsonPath.of(file));
          g.writeObjectFieldStart("break");
          g.writeNumberField("seq", f.sequence());
          g.writeStringField("reason", f.reason().name());
          g.writeStringField("message", f.message());
          g.writeEndObject();
          common(g, r);
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          // the error is on stderr, in the CLI's one voice; stdout stays empty
        }
      };
    }

    private static void common(JsonGenerator g, VerificationResult r) throws IOException {
      g.writeNumberField("records", r.records());
      g.writeStringField("head", r.head() == null ? null : r.head().toString());
      g.writeStringField("origin", r.origin());
      g.writeStringField("key", r.key() == null ? null : r.key().encoded());
      g.writeStringField("key_source", r.keySource().name().toLowerCase(Locale.ROOT));
      g.writeNumberField("checkpoints_verified", r.checkpointsVerified());
      g.writeNumberField("held_checkpoints_verified", r.heldCheckpointsVerified());
      g.writeArrayFieldStart("warnings");
      for (VerificationResult.Warning w : r.warnings()) {
        g.writeStartObject();
        g.writeStringField("kind", w.kind().name());
        g.writeStringField("message", w.message());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
  }
}
