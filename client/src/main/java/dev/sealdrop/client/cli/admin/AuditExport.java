package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.AuditVerifier;
import dev.sealdrop.audit.VerificationResult;
import dev.sealdrop.client.cli.OutputFile;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.protocol.v1.ExportAuditChunk;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;

/**
 * Streams an audit export into a file: a temporary file beside the target (owner-only), fsync,
 * then a rename, so FILE is either absent or complete. The result is verified with the key the
 * server announced before it is reported as written.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the output path is the local user's own argument")
final class AuditExport {
  private final String argument;
  private final Path target;
  private final boolean force;

  /** Refuses {@code -o -} (standard output) as every command that writes a file does, before anything is asked. */
  AuditExport(String argument, boolean force) throws UsageFailure {
    OutputFile.requireNotStandardOutput(argument);
    this.argument = argument;
    this.target = Path.of(argument).toAbsolutePath().normalize();
    this.force = force;
  }

  /** What was written and what verifying it found. */
  record Written(Path file, long bytes, long announcedRecords, AuditPublicKey key, VerificationResult result) {}

  Written write(AdminConnection admin) throws SealdropFailure, IOException {
    OutputFile.requireWritable(argument, force);
    Path dir = target.toAbsolutePath().getParent();
    // review DY: a fixed-length name (".NAME.<digits>.part" made a valid 240-byte NAME too long for the folder); not
    // cleared by the next run, which may run beside this one (review EH: two exports to one file, one deleted the
    // other's); a signal's is removed by the guard below
    String partial = partialPrefix(target);
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, partial, ".part");
    } catch (IOException e) {
      // named by the folder asked for, not by the hidden temporary file's name (round X)
      java.util.Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, dir, "choose -o in"
          + " another folder", "then run the same command again");
      if (disk.isPresent()) {
        throw disk.get();
      }
      // any other refusal (/proc, no permission) too: it was "no such file: /proc/.audit.jsonl.123.part" (round CP)
      throw OutputFile.notWritable(dir, e, "nothing was exported");
    }
    // Ctrl-C or SIGTERM runs no finally: the guard deletes the partial export (part of the log) then (review DY)
    try (dev.sealdrop.client.cli.PartialFileGuard.OneFile guard = dev.sealdrop.client.cli.PartialFileGuard
        .watchFile(tmp)) {
      Written w = admin.call(GrpcFailures.Op.GENERIC, () -> stream(admin, tmp));
      if (force) {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(tmp, target); // without REPLACE_EXISTING: never replaces a file that appeared meanwhile
      }
      return new Written(target, w.bytes(), w.announcedRecords(), w.key(), w.result());
    } catch (FileAlreadyExistsException e) {
      throw new UsageFailure("FILE_EXISTS", "refusing to overwrite " + target, "choose another -o, or add --force", e);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The temporary-file prefix of an export to {@code target}: the same on every run of it, 34 characters. */
  static String partialPrefix(Path target) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(target.toAbsolutePath().normalize()
          .toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return dev.sealdrop.client.cli.PartialFileGuard.PREFIX + "a" + java.util.HexFormat.of().formatHex(digest, 0, 8)
          + "-";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cli: internal error: no SHA-256", e);
    }
  }

  private static Written stream(AdminConnection admin, Path tmp) throws SealdropFailure {
    long bytes = 0;
    long records = -1;
    String keyText = null;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream out = Channels.newOutputStream(ch)) {
      Iterator<ExportAuditChunk> it = admin.streamingStub().exportAudit(ExportAuditRequest.getDefaultInstance());
      boolean first = true;
      while (it.hasNext()) {
        ExportAuditChunk c = it.next();
        if (first) {
          keyText = c.getVerifierKey();
          records = c.getRecords();
          first = false;
        }
        c.getData().writeTo(out);
        bytes += c.getData().size();
      }
      out.flush();
      ch.force(true);
    } catch (IOException e) {
      // a full or read-only disk as every other write names it (round DF: WRITE_FAILED with the JDK's words)
      java.util.Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, tmp.getParent(),
          "choose -o in another folder", "nothing was kept; then run the same command again");
      if (disk.isPresent()) {
        throw disk.get();
      }
      throw new UsageFailure("WRITE_FAILED", "cannot write the export to " + tmp.getParent() + ": "
          + dev.sealdrop.client.failure.IoReason.of(e), "check free space and the folder's permissions", e);
    }
    if (keyText == null || keyText.isEmpty()) {
      throw new NetworkFailure("EXPORT_INCOMPLETE", "the server sent no audit key with the export",
          "re-run; if it persists, the server is not a compatible sealdrop server");
    }
    AuditPublicKey key;
    try {
      key = AuditPublicKey.parse(keyText);
    } catch (IllegalArgumentException e) {
      throw new IntegrityFailure("BAD_AUDIT_KEY", "the server announced an invalid audit key: " + e.getMessage(),
          "report this to the operator", e);
    }
    VerificationResult r;
    try {
      r = AuditVerifier.withKey(key).verify(tmp);
    } catch (IOException e) {
      throw new UsageFailure("READ_FAILED", "cannot read back the export: " + IoReason.of(e),
          "check the folder's permissions", e);
    }
    return new Written(tmp, bytes, records, key, r);
  }

  /** An export that does not verify is kept (it is evidence) but is a failure (exit 5). */
  static void ensureValid(Written w) throws IntegrityFailure {
    if (w.result().failure().isPresent()) {
      VerificationResult.Failure f = w.result().failure().get();
      throw new IntegrityFailure(f.reason().name(), "wrote " + w.file() + ", but it does NOT verify with the "
          + "server's own audit key: record " + f.sequence() + ": " + f.message(),
          "keep the file as evidence and report it to the operator; see `sealdrop audit verify --help`");
    }
  }

  static Result result(Written w) {
    VerificationResult r = w.result();
    return new Result() {
      @Override
      public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", true);
        g.writeStringField("output", JsonPath.of(w.file()));
        g.writeNumberField("bytes", w.bytes());
        g.writeNumberField("records", r.records());
        g.writeStringField("head", String.valueOf(r.head()));
        g.writeStringField("origin", r.origin());
        g.writeStringField("verifier_key", w.key().encoded());
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter out) {
        out.println("Wrote " + w.file() + ": " + r.records() + " records, " + w.bytes() + " bytes, chain head "
            + r.head());
        out.println("Audit key (as announced by the server): " + w.key().encoded());
        // a command to copy: the path and key as shell words (a path may hold blanks or quotes)
        out.println("Verify it with: sealdrop audit verify " + ShellWords.of(w.file().toString()) + " --key "
            + ShellWords.of(w.key().encoded()) + " --checkpoints DIR");
        out.println("  DIR: a folder of checkpoints kept outside the server, e.g. a transferor's or acquirer's"
            + " ~/.sealdrop/checkpoints/ (each CLI keeps those the server sent it); they prove the log was not"
            + " rewritten since. Without --checkpoints the export is checked against its own signatures only.");
      }
    };
  }
}
