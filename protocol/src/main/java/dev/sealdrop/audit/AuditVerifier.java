package dev.sealdrop.audit;

import dev.sealdrop.audit.AuditLogEntry.CheckpointLine;
import dev.sealdrop.audit.AuditLogEntry.HeaderLine;
import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import dev.sealdrop.audit.VerificationResult.Failure;
import dev.sealdrop.audit.VerificationResult.KeySource;
import dev.sealdrop.audit.VerificationResult.Reason;
import dev.sealdrop.audit.VerificationResult.Warning;
import dev.sealdrop.audit.internal.RecordEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Verifies an audit log or export offline (docs/audit-log.md, "Verifying"): every hash link,
 * every sequence number, every in-file checkpoint's signature and consistency with the chain, and
 * consistency with checkpoints held outside the server. Reports the FIRST break in file order.
 *
 * <p>One streaming pass; memory is bounded by one line plus the held checkpoints. Immutable and
 * thread-safe.
 */
public final class AuditVerifier {
  private final AuditPublicKey givenKey;
  private final List<SignedCheckpoint> held;
  private final boolean allowUnsignedTail;

  private AuditVerifier(AuditPublicKey givenKey, List<SignedCheckpoint> held, boolean allowUnsignedTail) {
    this.givenKey = givenKey;
    this.held = held;
    this.allowUnsignedTail = allowUnsignedTail;
  }

  /** Verifies checkpoint signatures with a key obtained outside the file (it wins over the header's). */
  public static AuditVerifier withKey(AuditPublicKey key) {
    return new AuditVerifier(Objects.requireNonNull(key, "key"), List.of(), false);
  }

  /** Uses the key named in the file's header; the result then carries an EMBEDDED_KEY_ONLY warning. */
  public static AuditVerifier withEmbeddedKey() {
    return new AuditVerifier(null, List.of(), false);
  }

  /** Also proves the file consistent with these checkpoints held outside the server. */
  public AuditVerifier holding(Collection<SignedCheckpoint> checkpoints) {
    List<SignedCheckpoint> all = new ArrayList<>(held);
    all.addAll(checkpoints);
    all.sort(Comparator.comparingLong(c -> c.checkpoint().size()));
    return new AuditVerifier(givenKey, List.copyOf(all), allowUnsignedTail);
  }

  /**
   * Accepts records after the last signed checkpoint, with an UNSIGNED_TAIL warning instead of an
   * UNSIGNED_RECORDS failure. For a live log (the writer resuming after a crash, a copy taken while
   * the server runs); an export is always signed to its end and should be verified strictly.
   */
  public AuditVerifier allowingUnsignedTail() {
    return new AuditVerifier(givenKey, held, true);
  }

  public VerificationResult verify(Path file) throws IOException {
    try (AuditLogReader reader = AuditLogReader.open(file)) {
      return new Run(reader, null).run();
    }
  }

  /** Verifies a stream; I/O errors are thrown, everything about the content is in the result. */
  public VerificationResult verify(InputStream in) throws IOException {
    return new Run(new AuditLogReader(in), null).run();
  }

  /**
   * {@link #verify(InputStream)}, telling {@code observer} of each record and in-file checkpoint once it
   * has verified, in file order (nothing after the first break). Lets the writer look at the unsigned
   * tail in the same single pass, with bounded memory ({@link LogRecovery}).
   */
  VerificationResult verify(InputStream in, Observer observer) throws IOException {
    return new Run(new AuditLogReader(in), Objects.requireNonNull(observer, "observer")).run();
  }

  /** Sees what a pass verified, entry by entry. */
  interface Observer {
    /** A record that verified (hash, sequence number and link to its predecessor). */
    void record(AuditRecord record);

    /** An in-file checkpoint that verified: it covers every record seen so far. */
    void checkpoint(Checkpoint checkpoint);
  }

  /** The state of one verification pass. */
  private final class Run {
    private final AuditLogReader reader;
    private final Observer observer; // null: none
    private final List<Warning> warnings = new ArrayList<>();
    private final List<SignedCheckpoint> relevantHeld = new ArrayList<>();
    private KeySource keySource = givenKey != null ? KeySource.GIVEN : KeySource.EMBEDDED;
    private AuditPublicKey key = givenKey;
    private String origin;
    private ChainHash head;
    private long records;
    private SignedCheckpoint lastCheckpoint;
    private int checkpoints;
    private int heldVerified;
    private int heldIndex;
    private long lastHeldMatch;
    /**
     * A held checkpoint the file disagrees with, told once what follows shows how (review BF: a record edited without
     * the key, the file's own checkpoint after it then mismatching, was said to be "rewritten and re-signed"); null:
     * none.
     */
    private Failure heldMismatch;

    Run(AuditLogReader reader, Observer observer) {
      this.reader = reader;
      this.observer = observer;
    }

    VerificationResult run() throws IOException {
      Failure failure = verifyAll();
      return new VerificationResult(Optional.ofNullable(failure), warnings, keySource, key, origin, records, head,
          Optional.ofNullable(lastCheckpoint), checkpoints, heldVerified);
    }

    private Failure verifyAll() throws IOException {
      Optional<AuditLogEntry> first;
      try {
        first = reader.next();
      } catch (AuditFormatException e) {
        return new Failure(0, Reason.MALFORMED, e.getMessage());
      }
      if (first.isEmpty()) {
        return new Failure(0, Reason.MALFORMED, "the file is empty: an audit log or export starts with a header line");
      }
      if (!(first.get() instanceof HeaderLine header)) {
        return new Failure(0, Reason.MALFORMED, "line 1: the file must start with a header line");
      }
      Failure f = readHeader(header);
      if (f == null) {
        f = checkHeld();
      }
      while (f == null) {
        if (heldMismatch != null && lastCheckpoint != null && lastCheckpoint.checkpoint().size() >= heldMismatch
            .sequence()) {
          return told(heldMismatch, " and re-signed: the file's own checkpoint for " + lastCheckpoint.checkpoint()
              .size() + " records, signed by the audit key, matches them, and the one held outside the server does"
              + " not");
        }
        Optional<AuditLogEntry> entry;
        try {
          entry = reader.next();
        } catch (AuditFormatException e) {
          if (heldMismatch != null) {
            // review RP: the mismatch found first is what is told, with where the file breaks after it
            return told(heldMismatch, ", without the audit key (edited, which needs no key): the file itself breaks"
                + " after them too (" + Reason.MALFORMED + ": " + e.getMessage() + ")");
          }
          return new Failure(records + 1, Reason.MALFORMED, e.getMessage());
        }
        if (entry.isEmpty()) {
          if (heldMismatch != null) {
            return told(heldMismatch, " (no checkpoint of the file's own follows them to tell whether they were"
                + " also re-signed)");
          }
          return finish();
        }
        AuditLogEntry e = entry.get();
        if (e instanceof RecordLine r) {
          f = record(r);
          if (f == null) {
            f = checkHeld();
          }
        } else if (e instanceof CheckpointLine c) {
          f = checkpoint(c.checkpoint());
        } else {
          f = new Failure(records + 1, Reason.MALFORMED, "line " + reader.lineNumber() + ": a second header line"
              + " (an export has one, on its first line; two exports joined into one file? verify each on its own)");
        }
      }
      if (heldMismatch != null) {
        // the file does not hold together after them either: they were edited, not re-signed
        return told(heldMismatch, ", without the audit key (edited, which needs no key): the file itself breaks after"
            + " them too (" + f.reason() + ": " + f.message() + ")");
      }
      return f;
    }

    /** {@code mismatch}, its message completed with how it came about. */
    private Failure told(Failure mismatch, String how) {
      return new Failure(mismatch.sequence(), mismatch.reason(), mismatch.message() + how);
    }

    private Failure readHeader(HeaderLine header) {
      origin = header.origin();
      head = RecordEncoding.genesis(origin);
      if (givenKey == null) {
        key = header.key();
        warnings.add(new Warning(Warning.Kind.EMBEDDED_KEY_ONLY, "checkpoints were verified only with the key the file"
            + " names (" + key.encoded() + "); obtain the audit key from the operator out of band and pass it to prove"
            + " who signed"));
      } else if (!givenKey.equals(header.key())) {
        warnings.add(new Warning(Warning.Kind.HEADER_KEY_DIFFERS, "the file names the key " + header.key().encoded()
            + " but the given key " + givenKey.encoded() + " was used"));
      }
      // one warning per other origin, however many of its checkpoints are held
      java.util.Map<String, Integer> otherOrigins = new java.util.TreeMap<>();
      for (SignedCheckpoint c : held) {
        if (c.checkpoint().origin().equals(origin)) {
          relevantHeld.add(c);
        } else if (c.check(key) == SignedCheckpoint.SignatureStatus.VALID) {
          // Not another server's log: the very key this file is verified with signed that history
          // under another name. Ignoring it would let the key holder escape every held checkpoint
          // by rewriting (or cutting) the log under a new origin.
          return new Failure(1, Reason.REWRITTEN, "a checkpoint held outside the server, signed by the audit key "
              + key.encoded() + ", covers " + c.checkpoint().size() + " records of the log '"
              + c.checkpoint().origin() + "', but this file's header names the log '" + origin + "': either its"
              + " header was edited (which needs no key: the file's own checkpoints then no longer verify), or the"
              + " key holder re-signed the log under another origin; either way the held history is not in this"
              + " file");
        } else {
          otherOrigins.merge(c.checkpoint().origin(), 1, Integer::sum);
        }
      }
      otherOrigins.forEach((other, n) -> warnings.add(new Warning(Warning.Kind.HELD_CHECKPOINT_OTHER_ORIGIN,
          (n == 1 ? "a held checkpoint" : n + " held checkpoints") + " for origin '" + other + "' " + (n == 1 ? "was"
              : "were") + " ignored (this log is '" + origin + "')")));
      return null;
    }

    private Failure record(RecordLine line) {
      AuditRecord r = line.record();
      long expected = records + 1;
      if (!r.hash().equals(line.hash())) {
        return new Failure(expected, Reason.EDITED, "record " + expected + " (line " + reader.lineNumber()
            + ") was edited: its content does not match its hash");
      }
      if (r.sequence() != expected) {
        // one pass with bounded memory: whether the missing records come later in the file is not known yet
        String what = r.sequence() > expected ? missingHere(expected, r.sequence() - 1)
            : "record " + r.sequence() + " appears again (reordered or duplicated)";
        return new Failure(expected, Reason.DELETED_OR_REORDERED, "line " + reader.lineNumber() + ": expected record "
            + expected + " but found record " + r.sequence() + ": " + what);
      }
      if (!r.previousHash().equals(head)) {
        if (expected == 1) {
          // there is no record 0: the first record links to the header's origin (its genesis)
          return new Failure(expected, Reason.CHAIN_BROKEN, "line " + reader.lineNumber() + ": record 1 does not extend"
              + " the file's header: the header's origin was changed, or the records come from another log");
        }
        // review DZ: the line too (with a checkpoint every few records, record N is not near line N + 1)
        return new Failure(expected, Reason.CHAIN_BROKEN, "line " + reader.lineNumber() + ": record " + expected
            + " does not extend record " + (expected - 1) + ": record " + (expected - 1) + " was rewritten together"
            + " with its hash, or records were replaced");
      }
      head = line.hash();
      records = expected;
      if (observer != null) {
        observer.record(r);
      }
      warnOfLifecycle(r);
      return null;
    }

    /**
     * A record in which the log says something a reader must weigh (review DL: "valid with no warnings" read as "every
     * record as the key holder wrote it" over records signed only at a restart, and over a log that replaced another).
     */
    private void warnOfLifecycle(AuditRecord r) {
      if (!"server".equals(r.actor())) {
        return;
      }
      if (r.action().equals(AuditLogWriter.UNSIGNED_TAIL_ACTION)) {
        warnings.add(new Warning(Warning.Kind.SIGNED_AFTER_THE_FACT, "records " + r.details().getOrDefault("first", "?")
            + " to " + r.details().getOrDefault("last", "?") + " were found unsigned after a crash and signed at the"
            + " next start (record " + r.sequence() + ", " + AuditLogWriter.UNSIGNED_TAIL_ACTION + "): whoever could"
            + " write the server's files in between could have changed them; check them against checkpoints the"
            + " parties hold (--checkpoints)"));
      } else if (r.action().equals(AuditLogWriter.LOG_REPLACED_ACTION)) {
        warnings.add(new Warning(Warning.Kind.LOG_REPLACED, "record " + r.sequence() + " says this log replaced"
            + " another of " + r.details().getOrDefault("previous-records", "?") + " records, signed with the key "
            + r.details().getOrDefault("previous-verifier-key", "?") + ": the history before it is in that log; ask"
            + " the operator for its export and verify it with that key"));
      }
    }

    /**
     * Records {@code from..to} are not where they belong. One pass with bounded memory cannot know yet
     * whether they come later in the file, so it says both.
     */
    private static String missingHere(long from, long to) {
      return span(from, to, "is", "are") + " missing here: deleted, or moved further down the file (reordered)";
    }

    /** "record 7 is" for one record, "records 7..9 are" for more, never "records 7..7". */
    private static String span(long from, long to, String one, String many) {
      return from == to ? "record " + from + " " + one : "records " + from + ".." + to + " " + many;
    }

    private Failure checkpoint(SignedCheckpoint cp) {
      Checkpoint c = cp.checkpoint();
      long at = Math.min(c.size(), records);
      Failure sig = signature(cp, at, "checkpoint at line " + reader.lineNumber());
      if (sig != null) {
        return sig;
      }
      if (!c.origin().equals(origin)) {
        return new Failure(at, Reason.CHECKPOINT_MISMATCH, "checkpoint at line " + reader.lineNumber()
            + " is for origin '" + c.origin() + "', not '" + origin + "'");
      }
      if (c.size() > records) {
        return new Failure(records + 1, Reason.DELETED_OR_REORDERED, "line " + reader.lineNumber() + ": a checkpoint"
            + " for " + c.size() + " records follows record " + records + ": " + missingHere(records + 1, c.size()));
      }
      if (c.size() < records) {
        return new Failure(c.size() + 1, Reason.DELETED_OR_REORDERED, "line " + reader.lineNumber() + ": the"
            + " checkpoint for " + c.size() + " records appears after record " + records + ": lines were reordered");
      }
      if (!c.head().equals(head)) {
        return new Failure(c.size(), Reason.CHECKPOINT_MISMATCH, "line " + reader.lineNumber() + ": records up to "
            + c.size() + " do not match the signed checkpoint for that size: they were rewritten after it was"
            + " signed");
      }
      lastCheckpoint = cp;
      checkpoints++;
      if (observer != null) {
        observer.checkpoint(c);
      }
      return null;
    }

    private Failure signature(SignedCheckpoint cp, long at, String what) {
      switch (cp.check(key)) {
        case VALID:
          return null;
        case INVALID:
          return new Failure(at, Reason.BAD_CHECKPOINT_SIGNATURE, what + " (size " + cp.checkpoint().size()
              + ") has an invalid signature from " + key.name() + ": forged or altered");
        default:
          return new Failure(at, Reason.UNTRUSTED_CHECKPOINT_KEY, what + " (size " + cp.checkpoint().size()
              + ") is not signed by the audit key " + key.encoded() + ": signed by another key");
      }
    }

    /** Checks every held checkpoint whose size is the current number of records. */
    private Failure checkHeld() {
      while (heldIndex < relevantHeld.size() && relevantHeld.get(heldIndex).checkpoint().size() <= records) {
        SignedCheckpoint cp = relevantHeld.get(heldIndex++);
        if (heldMismatch != null) {
          // the first one it disagrees with is told; a later held note (another server's, a bad one) says nothing of
          // how the file came to disagree (review RP: it was taken for the file breaking, clearing a key holder)
          continue;
        }
        Failure sig = signature(cp, cp.checkpoint().size(), "a held checkpoint");
        if (sig != null) {
          return sig;
        }
        if (!cp.checkpoint().head().equals(head)) {
          // told once the rest of the file shows how (verifyAll): re-signed, or edited without the key
          heldMismatch = new Failure(records, Reason.REWRITTEN, "the file disagrees with a checkpoint held outside the"
              + " server for " + records + (records == 1 ? " record: " : " records: ")
              + (lastHeldMatch + 1 == records ? "" : "one or more of ") + span(lastHeldMatch + 1, records, "was", "were")
              + " rewritten");
          continue;
        }
        lastHeldMatch = records;
        heldVerified++;
      }
      return null;
    }

    private Failure finish() {
      if (heldIndex < relevantHeld.size()) {
        SignedCheckpoint cp = relevantHeld.get(heldIndex);
        Failure sig = signature(cp, records + 1, "a held checkpoint");
        if (sig != null) {
          return sig;
        }
        // the largest held checkpoint the key signed says how much is missing (the first only where it begins)
        long covered = cp.checkpoint().size();
        for (int i = heldIndex + 1; i < relevantHeld.size(); i++) {
          SignedCheckpoint later = relevantHeld.get(i);
          if (later.check(key) == SignedCheckpoint.SignatureStatus.VALID) {
            covered = Math.max(covered, later.checkpoint().size());
          }
        }
        // The file alone cannot tell an export made before the checkpoint was handed out from one
        // whose tail was cut: both end with a valid signed checkpoint. A later export can.
        return new Failure(records + 1, Reason.TRUNCATED, "a checkpoint held outside the server covers "
            + covered + " records but this file ends after record " + records + ": "
            + span(records + 1, covered, "is", "are") + " missing; either the file was exported before"
            + " that checkpoint was handed out, or its tail was removed");
      }
      long from = lastCheckpoint == null ? 1 : lastCheckpoint.checkpoint().size() + 1;
      if (lastCheckpoint == null && records == 0 && !allowUnsignedTail) {
        // A bare header proves nothing: anyone can write one under any key. An export, even of an
        // empty log, always ends with a checkpoint the key signed (size 0 for no records).
        return new Failure(1, Reason.UNSIGNED_RECORDS, "the file holds no records and no signed checkpoint: nothing"
            + " in it is signed by the audit key, so it does not prove the log is empty (an export always ends with"
            + " a signed checkpoint); the records after the header were removed, or it is not an export");
      }
      if (records >= from) {
        if (!allowUnsignedTail) {
          return new Failure(from, Reason.UNSIGNED_RECORDS, span(from, records, "is", "are") + " not covered"
              + " by any signed checkpoint: anyone could have written or rewritten them, or the signed tail after"
              + " them was removed");
        }
        warnings.add(new Warning(Warning.Kind.UNSIGNED_TAIL, span(from, records, "is", "are")
            + " not covered by a signed checkpoint (log still open, or it stopped without closing)"));
      }
      if (relevantHeld.isEmpty()) {
        warnings.add(new Warning(Warning.Kind.NO_EXTERNAL_CHECKPOINT, (held.isEmpty()
            ? "no checkpoint held outside the server was given"
            : "none of the " + held.size() + " checkpoint(s) given is of this log (see the warnings about their origin)")
            + ": a truncated tail or a history re-signed with the audit key cannot be detected"));
      }
      return null;
    }
  }
}
