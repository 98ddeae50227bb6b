package dev.sealdrop.server.store.audit;

import dev.sealdrop.audit.AuditEvent;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogConfig;
import dev.sealdrop.audit.AuditLogEntry;
import dev.sealdrop.audit.AuditLogReader;
import dev.sealdrop.audit.AuditLogWriter;
import dev.sealdrop.audit.AuditRecord;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.logging.SecretRedaction;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The audit log in {@code DATA/audit/}: a signed, hash-chained JSON Lines file and its Ed25519 key. */
public final class FileAudit implements Audit {
  /** The record of the server's start: the first of each run, signed at once ({@link #checkpoint()}). */
  public static final String START = "server.start";
  /** The record of a graceful shutdown: the last of its run; the log takes no record after it. */
  public static final String STOP = "server.stop";
  /**
   * What the server leaves in its log, so that a restart can refuse an unsigned tail no crash of it
   * leaves (docs/audit-log.md, "Resuming a log"): after a signed stop, only the next start.
   */
  static final AuditLogWriter.Lifecycle LIFECYCLE = new AuditLogWriter.Lifecycle(START, STOP);
  private static final Logger LOG = LoggerFactory.getLogger(FileAudit.class);
  private final AuditLogWriter writer;
  private final Path file;
  /** The sequence number of the last record this thread appended, until a door takes it. */
  private final ThreadLocal<Long> appendedOnThisThread = new ThreadLocal<>();

  private FileAudit(AuditLogWriter writer, Path file) {
    this.writer = writer;
    this.file = file;
  }

  /** Opens (or creates) the key and the log under {@code dataDir/audit}. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the data directory comes from server configuration")
  /**
   * The log and its signing key are made together at the first start and live together: one without the other is a
   * loss (a deleted log silently became a new one, restarting at record 1 under the same key, while the database kept
   * its history; a deleted key was replaced on disk before the start failed, so restoring it from a backup meant
   * deleting the stray one first). Refuses to start, writing nothing, and says what to restore.
   */
  static void requireBothOrNeither(Path keyFile, Path log) throws IOException {
    boolean hasKey = Files.exists(keyFile);
    boolean hasLog = Files.exists(log) && Files.size(log) > 0;
    if (hasKey && !holdsARecord(log)) {
      // round AK: a log cut to its header line, or within it, passed as a log, and a new one started at record 1
      // under the same key (the only message: a few bytes of a torn line discarded)
      throw new IOException("the audit log " + log + " is " + (hasLog ? "cut short: it holds no whole record" : "missing"
          + " or empty") + ", but its signing key " + keyFile
          + " exists: a previous run kept a log here, and it is gone. Restore audit.jsonl from a backup; only to start"
          + " a new log on purpose (the old one's records are lost, and the parties' checkpoints will not match it),"
          + " move " + keyFile.getFileName() + " away as well" + (hasLog ? " (so too if this is a new server whose"
          + " first start was cut short, by a crash or a full disk, before it wrote any record)" : ""));
    }
    if (!hasKey && hasLog) {
      throw new IOException("the audit log " + log + " exists, but its signing key " + keyFile + " is missing: a new"
          + " key could not continue the log (its checkpoints are signed with the old one). Restore the key from a"
          + " backup; nothing was written");
    }
  }

  /**
   * Whether {@code log} holds its header line and at least one whole record after it (a line ended by its newline). Reads
   * only as far as that; a header is far shorter than the {@value #HEADER_MAX} bytes after which it is taken to hold one.
   */
  private static boolean holdsARecord(Path log) throws IOException {
    if (!Files.exists(log)) {
      return false;
    }
    try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(log))) {
      int lines = 0;
      for (long read = 0; read < HEADER_MAX; read++) {
        int b = in.read();
        if (b == -1) {
          return false;
        }
        if (b == '\n' && ++lines == 2) {
          return true;
        }
      }
      return true;
    }
  }

  private static final long HEADER_MAX = 1 << 20;

  public static FileAudit open(Path dataDir, String origin, int checkpointEveryRecords, Duration checkpointInterval,
      Clock clock) throws IOException {
    return open(dataDir, origin, checkpointEveryRecords, checkpointInterval, clock, Optional.empty());
  }

  /**
   * A checkpoint the log signed, as kept apart from it (the server keeps its latest in the database): the verifier key
   * that signed it ({@link dev.sealdrop.audit.AuditPublicKey#encoded()}), how many records it covers, its signed note.
   */
  public record Held(String verifierKey, long size, String note) {}

  /**
   * {@link #open(Path, String, int, Duration, Clock)} that requires the log to hold {@code held}, a checkpoint it signed
   * before, if it was signed by this log's key: a log cut back or replaced by an older copy while the server was
   * stopped is refused (round BV: such a log was taken for a crash's unsigned tail, and the server signed sizes it had
   * signed before with other heads). A checkpoint of another key (a new log started on purpose) is ignored, said in a
   * warning.
   */
  public static FileAudit open(Path dataDir, String origin, int checkpointEveryRecords, Duration checkpointInterval,
      Clock clock, Optional<Held> held) throws IOException {
    Files.createDirectories(dataDir);
    Path dir = dev.sealdrop.server.store.fs.DataFolder.createFolder(dataDir.resolve("audit"));
    Path keyFile = dataDir.resolve(dev.sealdrop.server.store.fs.DataFolder.AUDIT_KEY);
    Path file = dir.resolve("audit.jsonl");
    requireBothOrNeither(keyFile, file);
    AuditKey key = AuditKey.loadOrGenerate(keyFile, origin);
    AuditLogConfig config = AuditLogConfig.defaults(file, origin)
        .withCheckpointEvery(checkpointEveryRecords, checkpointInterval).withClock(clock);
    SignedCheckpoint witnessed = null;
    Optional<Held> replaced = Optional.empty();
    if (held.isPresent() && held.get().verifierKey().equals(key.publicKey().encoded())) {
      try {
        witnessed = SignedCheckpoint.parse(held.get().note());
      } catch (dev.sealdrop.audit.AuditFormatException e) {
        throw new IOException("the checkpoint of the audit log kept in the database cannot be read (" + e.getMessage()
            + "); the database was damaged or edited: restore sealdrop.db from a backup of this folder", e);
      }
      if (witnessed.check(key.publicKey()) != SignedCheckpoint.SignatureStatus.VALID) {
        // the log is not to blame (review BX: the log's refusal told the operator to move an intact log aside)
        throw new IOException("the checkpoint of the audit log kept in the database is not signed by the log's key"
            + " (table audit_witness): the database was damaged or edited; nothing was written. Restore sealdrop.db"
            + " from a backup of this folder");
      }
    } else if (held.isPresent()) {
      // the kept checkpoint must be what the key it names signed, or the row was edited (review BZ: an edited key
      // column skipped the check, and its values went into the new log's record)
      boolean signed;
      try {
        signed = SignedCheckpoint.parse(held.get().note()).check(dev.sealdrop.audit.AuditPublicKey.parse(
            held.get().verifierKey())) == SignedCheckpoint.SignatureStatus.VALID;
      } catch (IOException | RuntimeException e) {
        signed = false;
      }
      if (!signed) {
        throw new IOException("the checkpoint of the audit log kept in the database (table audit_witness) is not"
            + " signed by the key it names: the database was damaged or edited; nothing was written. Restore"
            + " sealdrop.db from a backup of this folder");
      }
      replaced = held;
      LOG.warn("audit log {}: the database keeps a checkpoint of {} records signed by another audit key ({}) than this"
          + " log's ({}): the log and its key were replaced, which an operator does to start a new log on purpose; if"
          + " nobody did, restore audit.jsonl and audit.key from a backup", file, held.get().size(),
          held.get().verifierKey(), key.publicKey().encoded());
    }
    AuditLogWriter writer = witnessed == null ? AuditLogWriter.open(config, key, LIFECYCLE)
        : AuditLogWriter.open(config, key, LIFECYCLE, witnessed);
    AuditKey.warmUpSigningInBackground(); // every transfer response may need a signature of its own
    if (writer.tornTailBytes() > 0) {
      // round Y: the log itself said so, the server's log did not
      LOG.warn("audit log {}: its last {} bytes were a line cut short (the server stopped in the middle of writing it:"
          + " a crash, or a full disk) and were discarded; the log now says so in the record {}", file,
          writer.tornTailBytes(), AuditLogWriter.TORN_TAIL_ACTION);
    }
    writer.adoptedTail().ifPresent(t -> LOG.warn("audit log {}: {}", file, adoptionWarning(t)));
    LOG.info("audit log {} ({} records), verifier key {}", file, writer.size(), writer.publicKey().encoded());
    FileAudit opened = new FileAudit(writer, file);
    opened.replacedLog = replaced;
    return opened;
  }

  /** The action of the record that names the log a new log replaced ({@link #replacedLog()}). */
  public static final String LOG_REPLACED = dev.sealdrop.audit.AuditLogWriter.LOG_REPLACED_ACTION;

  /**
   * The checkpoint, kept in the database, of the log that this log replaced: a log under another key (both the log
   * and its key moved away, to start a new log on purpose, or by someone covering tracks). The server records it in
   * the new log once its start is signed ({@value #LOG_REPLACED}), so that the new log itself says which log it
   * replaced and how far that one went (review BX: the kept checkpoint was overwritten and only a warning said so).
   */
  public Optional<Held> replacedLog() {
    return replacedLog;
  }

  private Optional<Held> replacedLog = Optional.empty();

  /** What the server says when it signs records a previous run left unsigned (they are marked in the log too). */
  static String adoptionWarning(AuditLogWriter.AdoptedTail t) {
    boolean one = t.records() == 1;
    return (one ? "record " + t.first() + " was" : "records " + t.first() + ".." + t.last() + " were")
        + " not signed when written (the server stopped without closing the log, or could not write its close); "
        + (one ? "it is" : "they are")
        + " signed now, after the record " + AuditLogWriter.UNSIGNED_TAIL_ACTION + ": an auditor should check "
        + (one ? "it" : "them") + " against checkpoints held by the parties";
  }

  /**
   * Whether the previous run closed the log with its stop record after running (or there was no log): false after a
   * crash, and after a start that failed (its stop says {@code start-failed}; it may have died in its own recovery).
   */
  public boolean previousRunStopped() {
    return writer.openedAfterStop();
  }

  /**
   * Whether the previous run ended with a graceful shutdown, all its acts ended or not ({@link #previousRunStopped}
   * only if they had): its stop kept the log's last checkpoint in the database as a clean stop does. False after a
   * crash and a failed start; true for a new log.
   */
  public boolean previousRunShutDown() {
    return writer.openedAfterStop() || writer.openedAfterStopWith().filter(r -> !r.equals(START_FAILED)).isPresent();
  }

  /** The result of the stop record of a start that failed after the log was opened. */
  public static final String START_FAILED = "start-failed";

  /** The live log file (tests read it). */
  public Path file() {
    return file;
  }

  @Override
  public void record(String actor, String action, String object, String result, String peer,
      Map<String, String> details) {
    append(actor, action, object, result, peer, details, true);
  }

  @Override
  public void recordWithoutWaiting(String actor, String action, String object, String result, String peer,
      Map<String, String> details) {
    append(actor, action, object, result, peer, details, false);
  }

  /**
   * Appends one record. Its text is redacted as the server's log lines are ({@link SecretRedaction}): the core
   * records only identifiers, but an identifier it was given may be a grant token pasted in the wrong place (an
   * admin's {@code admin grants revoke TOKEN}, {@code files purge TOKEN}), and the audit log is handed to third
   * parties and never rewritten, so a token must not reach it whoever reports it.
   */
  private void append(String actor, String action, String object, String result, String peer,
      Map<String, String> details, boolean waitForDisk) {
    Map<String, String> clean = details == null ? null : new java.util.TreeMap<>(details);
    if (clean != null) {
      clean.replaceAll((k, v) -> SecretRedaction.redact(v)); // keys are tokens ([a-z0-9._-]): never a secret
    }
    AuditEvent event = AuditEvent.of(actor == null ? "-" : SecretRedaction.redact(actor), action,
        object == null ? "" : SecretRedaction.redact(object), result, peer == null ? "" : peer, clean);
    try {
      AuditRecord r = waitForDisk ? writer.append(event) : writer.appendWithoutWaiting(event);
      appendedOnThisThread.set(r.sequence());
    } catch (IOException e) {
      throw new UncheckedIOException("server: the audit log cannot be written (" + e.getMessage()
          + "); the operation was refused; check the data folder's disk", e);
    }
  }

  /**
   * Signs a checkpoint now if records are pending and returns once it is durable. The server calls it
   * right after recording {@link #START}, so that after a clean stop the log's next record is signed at
   * once: a restart then refuses any other unsigned record after a signed stop.
   */
  public void checkpoint() throws IOException {
    writer.checkpoint();
  }

  @Override
  public Export exportTo(OutputStream out) throws IOException {
    SignedCheckpoint cp = writer.exportTo(out);
    return new Export(cp.checkpoint().size(), writer.publicKey().encoded());
  }

  @Override
  public List<Entry> tail(int count) throws IOException {
    Deque<Entry> last = new ArrayDeque<>(count + 1);
    try (AuditLogReader reader = writer.reader()) { // never by path: that would drop the writer's lock
      for (Optional<AuditLogEntry> e = reader.next(); e.isPresent(); e = reader.next()) {
        if (e.get() instanceof AuditLogEntry.RecordLine line) {
          AuditRecord r = line.record();
          last.addLast(new Entry(r.sequence(), r.timeMillis(), r.actor(), r.action(), r.object(), r.result(),
              r.peer(), r.details()));
          if (last.size() > count) {
            last.removeFirst();
          }
        }
      }
    }
    return new ArrayList<>(last);
  }

  /**
   * What the log held signed after its first {@code size} records when this writer opened it: the records a crash
   * left unsigned (which this writer signed, {@link dev.sealdrop.audit.AuditLogWriter#adoptedTail}) and those a start
   * writes of the log itself (a torn or unsigned tail it found) left out, since the database could keep no checkpoint
   * of them: how many, the times of the first and the last, and how many runs started in the whole log.
   */
  public record After(long records, long firstMillis, long lastMillis, int starts) {}

  /** {@link After} for the records after the first {@code size}, in one pass over the log. */
  public After after(long size) throws IOException {
    long records = 0;
    long first = 0;
    long last = 0;
    int starts = 0;
    long unsignedFrom = writer.adoptedTail().map(dev.sealdrop.audit.AuditLogWriter.AdoptedTail::first)
        .orElse(Long.MAX_VALUE);
    try (AuditLogReader reader = writer.reader()) { // never by path: that would drop the writer's lock
      for (Optional<AuditLogEntry> e = reader.next(); e.isPresent(); e = reader.next()) {
        if (e.get() instanceof AuditLogEntry.RecordLine line) {
          AuditRecord r = line.record();
          if (r.action().equals(START)) {
            starts++;
          }
          if (r.sequence() <= size || r.sequence() >= unsignedFrom
              || r.action().equals(dev.sealdrop.audit.AuditLogWriter.TORN_TAIL_ACTION)
              || r.action().equals(dev.sealdrop.audit.AuditLogWriter.UNSIGNED_TAIL_ACTION)) {
            continue;
          }
          if (records++ == 0) {
            first = r.timeMillis();
          }
          last = r.timeMillis();
        }
      }
    }
    return new After(records, first, last, starts);
  }

  /** The latest durable checkpoint, to be kept apart from the log ({@link Held}). */
  public Optional<Held> latestHeld() {
    return writer.latestCheckpoint().map(cp -> new Held(writer.publicKey().encoded(), cp.checkpoint().size(),
        cp.note()));
  }

  @Override
  public Optional<String> latestCheckpoint() {
    return writer.latestCheckpoint().map(SignedCheckpoint::note);
  }

  @Override
  public long takeAppendedOnThisThread() {
    Long mine = appendedOnThisThread.get();
    appendedOnThisThread.remove();
    return mine == null ? -1 : mine;
  }

  @Override
  public Optional<String> checkpointCovering(long sequence) {
    if (sequence < 0) {
      return latestCheckpoint(); // the call recorded nothing: nothing of its own to cover
    }
    try {
      return Optional.of(writer.checkpointCovering(sequence).note());
    } catch (IOException | RuntimeException e) {
      LOG.error("audit: cannot sign a checkpoint for a response ({}); handing out the latest durable one", e.toString());
      return latestCheckpoint();
    }
  }

  @Override
  public String verifierKey() {
    return writer.publicKey().encoded();
  }

  @Override
  public void close() {
    try {
      writer.close();
    } catch (IOException e) {
      LOG.error("closing the audit log failed: {}", e.toString());
    }
  }
}
