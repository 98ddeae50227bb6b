package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.RecordEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Brings an existing log file to a state the writer can continue from, or refuses. */
final class LogRecovery {
  /**
   * What to do with a log that cannot be continued (review BF: "move it aside" alone, and the next start refused a key
   * without its log): the log and its key go aside together, and the next start begins a new log under a new key.
   */
  static final String START_ANEW = "Keep the file as evidence, move it aside together with its key file (audit.key),"
      + " and start a new log: the next start makes a new key and records that the new log replaced one";

  private LogRecovery() {}

  /**
   * Verifies the file with the writer's key (an unsigned tail allowed), checks the tail against the
   * server's lifecycle rules if {@code lifecycle} is given ({@link TailRules}), and only then cuts an
   * incomplete last line: a file refused for any reason is left exactly as it was found.
   */
  static AuditLogWriter.Recovery recover(FileChannel ch, Path file, AuditLogConfig config, AuditKey key,
      AuditLogWriter.Lifecycle lifecycle, SignedCheckpoint witnessed) throws IOException {
    long length = ch.size();
    long keep = afterLastNewline(ch, length);
    long torn = length - keep;
    if (keep == 0) {
      // Nothing complete was ever written. Only a torn copy of our own header may be replaced;
      // anything else is not an audit log of ours and is left alone.
      byte[] header = JsonLines.header(config.origin(), key.publicKey());
      if (witnessed != null) {
        // the writer signed records here before: a log cut to nothing is no new log (FileAudit refuses that earlier)
        throw new AuditLogCorruptException("audit log " + file + " holds no whole line, but its writer signed a"
            + " checkpoint of " + witnessed.checkpoint().size() + " records before: it was cut or replaced; restore it"
            + " from a backup", null);
      }
      if (torn > 0 && !isPrefixOf(ch, torn, header)) {
        throw new AuditLogCorruptException("audit file " + file + " is not empty and is not a sealdrop audit log"
            + " (no complete line): configure another path or move the file aside", null);
      }
      ch.truncate(0);
      ByteBuffer buf = ByteBuffer.wrap(header);
      long pos = 0;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
      return new AuditLogWriter.Recovery(RecordEncoding.genesis(config.origin()), 0, null, torn, true, null);
    }
    // Verify the complete lines first, so that a log that fails is left exactly as it was found.
    VerificationResult r;
    TailRules tail = new TailRules(lifecycle, file.getFileName().toString());
    // through ch, never a new descriptor: closing one would drop the writer's lock (RangeInputStream)
    try (InputStream in = new RangeInputStream((pos, b, off, len) -> ch.read(ByteBuffer.wrap(b, off, len), pos), keep)) {
      AuditVerifier verifier = AuditVerifier.withKey(key.publicKey()).allowingUnsignedTail();
      r = (witnessed == null ? verifier : verifier.holding(java.util.List.of(witnessed))).verify(in, tail);
    }
    if (!r.valid()) {
      VerificationResult.Failure f = r.failure().orElseThrow();
      if (witnessed != null && (f.reason() == VerificationResult.Reason.TRUNCATED
          || f.reason() == VerificationResult.Reason.REWRITTEN)) {
        // said as what it is: the checkpoint is the writer's own, kept apart from the log (round BW: the verifier's
        // words called it "held outside the server")
        String found = f.reason() == VerificationResult.Reason.TRUNCATED ? "the file ends after record " + r.records()
            : "its records up to " + f.sequence() + " differ from those it signed";
        throw new AuditLogCorruptException("audit log " + file + " does not hold the checkpoint of "
            + witnessed.checkpoint().size() + " records that its writer signed before (" + f.reason() + ": " + found
            + "): it was cut back or replaced since, perhaps by an older copy;"
            + " refusing to append, as the writer would sign sizes it had signed with other heads. Keep the file as"
            + " evidence, and restore the log from a backup that holds those records", r);
      }
      if (f.reason() == VerificationResult.Reason.UNTRUSTED_CHECKPOINT_KEY && verifiesUnderItsOwnHeaderKey(ch, keep)) {
        // review EI: the log is intact under the key its header names; it is the key file that is not the log's
        throw new AuditLogCorruptException("audit log " + file + " verifies under the key its header names, but the"
            + " audit key file (audit.key) holds another key (" + key.publicKey().encoded() + "): one of the two was"
            + " replaced (the key file, or the log by another server's). Restore audit.key from a backup, or put"
            + " back this server's own log, so that the log and its key belong together; do not move an intact log"
            + " aside, which would fork the audit history", r);
      }
      throw new AuditLogCorruptException("audit log " + file + " does not verify (" + f.reason() + " at record "
          + f.sequence() + ": " + f.message() + "); refusing to append. " + START_ANEW, r);
    }
    if (!config.origin().equals(r.origin())) {
      throw new AuditLogCorruptException("audit log " + file + " belongs to origin '" + r.origin()
          + "', but the configured origin is '" + config.origin() + "': configure the right file or origin", null);
    }
    if (r.hasWarning(VerificationResult.Warning.Kind.HEADER_KEY_DIFFERS)) {
      throw new AuditLogCorruptException("audit log " + file + " was started with another audit key ("
          + "its header names a different key than " + key.publicKey().encoded() + "): configure the original key"
          + " or start a new log", null);
    }
    String refusal = tail.refusal();
    if (refusal != null) {
      throw new AuditLogCorruptException("audit log " + file + ": " + refusal + ". Refusing to sign the unsigned"
          + " tail or to append. " + START_ANEW, null);
    }
    if (torn > 0) {
      // An incomplete last line was being written when the process stopped. It was never fsynced
      // as a whole and so never acknowledged; the writer records that it was cut off.
      ch.truncate(keep);
      ch.force(true);
    }
    return new AuditLogWriter.Recovery(r.head(), r.records(), r.lastCheckpoint().orElse(null), torn,
        tail.endedWithStop(), tail.stopResult());
  }

  /** Whether the first {@code length} bytes of the log verify under the key its own header names (tail allowed). */
  private static boolean verifiesUnderItsOwnHeaderKey(java.nio.channels.FileChannel ch, long length) {
    try (InputStream in = new RangeInputStream((pos, b, off, len) -> ch.read(ByteBuffer.wrap(b, off, len), pos),
        length)) {
      return AuditVerifier.withEmbeddedKey().allowingUnsignedTail().verify(in).valid();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * What a server's writer can leave unsigned, checked in the verifying pass with bounded memory: it
   * keeps only the latest start or stop record, the one the last checkpoint covers, and the first
   * stop record and the size of the unsigned tail (docs/audit-log.md, "Resuming a log").
   *
   * <ul>
   *   <li>R1: if the last start or stop record that a checkpoint covers is a stop (a clean
   *       shutdown), the unsigned tail must be exactly one start record: the next server records its
   *       start and signs it at once, so a crash can leave only that record unsigned.
   *   <li>R2: a stop record in the unsigned tail must be its last record: a server appends nothing
   *       after its stop (its writer refuses to), so only a crash while closing leaves it unsigned.
   * </ul>
   * Both apply to the tail less the writer's own recovery records at its end (a resume's single write cut between
   * them and their checkpoint), which must come last. Without a {@link AuditLogWriter.Lifecycle} no rule applies.
   */
  static final class TailRules implements AuditVerifier.Observer {
    private final AuditLogWriter.Lifecycle lifecycle;
    /** The latest start or stop record so far: its sequence number (0: none) and whether it is a stop. */
    private long lifecycleSeq;
    private boolean lifecycleIsStop;
    /** The same, among the records the latest checkpoint covers. */
    private long signedLifecycleSeq;
    private boolean signedLifecycleIsStop;
    /** The last record of the log so far (0: none), and its result. */
    private long lastRecord;
    private String lastResult = "";
    /** The unsigned tail so far: its first and last record (0: empty), its first record's action, its first stop. */
    private long first;
    private long last;
    private boolean firstIsStart;
    private long firstStop;
    /**
     * The unsigned tail less the writer's own recovery records at its end: a resume writes them with their checkpoint
     * in one write, which a crash or power loss can cut between the two, leaving them unsigned after the tail they
     * name (reviews RK, RL: the next start refused the log as tampered with). R1 and R2 apply to the rest, the core:
     * its last record (0: none) and how many records it has; whether a record that is not one came after one.
     */
    private long coreLast;
    private long coreRecords;
    private boolean recoverySuffix;
    private boolean recordAfterRecovery;
    /** The log file's name: the object of the writer's own recovery records. */
    private final String fileName;

    TailRules(AuditLogWriter.Lifecycle lifecycle, String fileName) {
      this.lifecycle = lifecycle;
      this.fileName = fileName;
    }

    /**
     * Whether {@code record} is one a resume writes ({@link AuditLogWriter#TORN_TAIL_ACTION}, {@link
     * AuditLogWriter#UNSIGNED_TAIL_ACTION}), as it writes it: by {@code server}, on the log file, ok, no peer, its
     * details exactly; an adoption names the tail before it (from the tail's first record to the one before it).
     */
    private boolean isRecovery(AuditRecord record) {
      if (!"server".equals(record.actor()) || !fileName.equals(record.object()) || !"ok".equals(record.result())
          || !record.peer().isEmpty()) {
        return false;
      }
      java.util.Map<String, String> d = record.details();
      if (record.action().equals(AuditLogWriter.TORN_TAIL_ACTION)) {
        return d.keySet().equals(java.util.Set.of("bytes"));
      }
      // the adopted tail ends just before the write it is in: before this record, or before the torn-tail record
      // written with it; a torn-tail record just before it may also be one an earlier resume left unsigned, adopted
      // as the tail's last record (review RN: two resumes cut in a row)
      String last = d.get("last");
      boolean endsBefore = Long.toString(record.sequence() - 1).equals(last)
          || previousWasTorn && Long.toString(record.sequence() - 2).equals(last);
      return record.action().equals(AuditLogWriter.UNSIGNED_TAIL_ACTION)
          && d.keySet().equals(java.util.Set.of("first", "last", "records"))
          && Long.toString(first).equals(d.get("first")) && endsBefore;
    }

    /** Whether the record before the one being read is a recovery record of a torn line. */
    private boolean previousWasTorn;

    @Override
    public void record(AuditRecord record) {
      long seq = record.sequence();
      boolean start = lifecycle != null && record.action().equals(lifecycle.startAction());
      boolean stop = lifecycle != null && record.action().equals(lifecycle.stopAction());
      if (first == 0) {
        first = seq;
        firstIsStart = start;
      }
      boolean recovery = lifecycle != null && isRecovery(record);
      previousWasTorn = recovery && record.action().equals(AuditLogWriter.TORN_TAIL_ACTION);
      if (recovery) {
        recoverySuffix = true;
      } else {
        recordAfterRecovery |= recoverySuffix;
        coreLast = seq;
        coreRecords++;
      }
      last = seq;
      lastRecord = seq;
      lastResult = record.result();
      if (start || stop) {
        lifecycleSeq = seq;
        lifecycleIsStop = stop;
      }
      if (stop && firstStop == 0) {
        firstStop = seq;
      }
    }

    @Override
    public void checkpoint(Checkpoint checkpoint) {
      // it follows the last record seen (the verifier checked that): everything so far is signed
      signedLifecycleSeq = lifecycleSeq;
      signedLifecycleIsStop = lifecycleIsStop;
      first = 0;
      last = 0;
      firstIsStart = false;
      firstStop = 0;
      coreLast = 0;
      coreRecords = 0;
      recoverySuffix = false;
      recordAfterRecovery = false;
      previousWasTorn = false;
    }

    /**
     * Whether the log is empty or its last record is a stop with result {@code ok}: the previous run closed it after
     * running (no crash; a stop recording a failed start, whose start may have died in its own recovery, is not one).
     */
    boolean endedWithStop() {
      return lastRecord == 0 || lifecycleIsStop && lifecycleSeq == lastRecord && "ok".equals(lastResult);
    }

    /** The result of the stop record the log ends with, whatever it is; null if it ends with none. */
    String stopResult() {
      return lastRecord != 0 && lifecycleIsStop && lifecycleSeq == lastRecord ? lastResult : null;
    }

    /** Why the unsigned tail cannot be this server's, or null if a crash can have left it. */
    String refusal() {
      if (lifecycle == null || first == 0) {
        return null;
      }
      if (signedLifecycleIsStop && recordAfterRecovery) {
        return records(first, last) + " follow the signed record " + signedLifecycleSeq + " (" + lifecycle.stopAction()
            + ": a clean shutdown), and no checkpoint covers them; a record follows the writer's own record of a"
            + " resume in them, which a resume writes last, with its checkpoint, so " + notOurs(first, last);
      }
      if (signedLifecycleIsStop && coreRecords > 0 && !(coreRecords == 1 && firstIsStart)) {
        return records(first, last) + " " + (first == last ? "follows" : "follow") + " the signed record "
            + signedLifecycleSeq + " (" + lifecycle.stopAction() + ": a clean shutdown), and no checkpoint covers "
            + (first == last ? "it" : "them") + ". After its stop a server appends nothing until the next one records "
            + lifecycle.startAction() + " and signs it at once, so " + notOurs(first, last);
      }
      if (firstStop != 0 && firstStop < coreLast) {
        return records(firstStop + 1, last) + " " + (firstStop + 1 == last ? "follows" : "follow") + " the record "
            + firstStop + " (" + lifecycle.stopAction() + "), and no checkpoint covers " + records(first, last)
            + ". A server appends nothing after its stop, so " + notOurs(firstStop + 1, last);
      }
      return null;
    }

    /** "record 7" for one, "records 7..9" for more. */
    private static String records(long from, long to) {
      return from == to ? "record " + from : "records " + from + ".." + to;
    }

    private static String notOurs(long from, long to) {
      String them = from == to ? "it" : "them";
      return records(from, to) + (from == to ? " was" : " were") + " not written, or not left unsigned, by this"
          + " server's audit writer (someone without the audit key appended or rewrote " + them + ", or removed"
          + " checkpoints that signed " + them + ")";
    }
  }

  private static boolean isPrefixOf(FileChannel ch, long length, byte[] header) throws IOException {
    if (length >= header.length) {
      return false;
    }
    ByteBuffer buf = ByteBuffer.allocate((int) length);
    long pos = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        return false;
      }
      pos += n;
    }
    return java.util.Arrays.equals(buf.array(), 0, (int) length, header, 0, (int) length);
  }

  /** Position just after the last '\n' (0 if none). */
  private static long afterLastNewline(FileChannel ch, long length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long end = length;
    while (end > 0) {
      long start = Math.max(0, end - buf.capacity());
      buf.clear().limit((int) (end - start));
      long pos = start;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new IOException("audit log shrank while being opened");
        }
        pos += n;
      }
      for (int i = (int) (end - start) - 1; i >= 0; i--) {
        if (buf.get(i) == '\n') {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
  }
}
