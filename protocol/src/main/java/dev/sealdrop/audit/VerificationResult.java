package dev.sealdrop.audit;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link AuditVerifier} found: either the first place the log breaks, or that it verified,
 * possibly with warnings that limit what the verification proves.
 *
 * @param failure the first break, in file order; empty if the log verified
 * @param warnings limits of this verification (e.g. only the file's own key was available)
 * @param keySource where the key used for checkpoint signatures came from
 * @param key the key used for checkpoint signatures; null if the header could not be read
 * @param origin the log's origin from its header; null if the header could not be read
 * @param records number of records verified (all of them if {@link #valid()})
 * @param head chain head after the last verified record; null if the header could not be read
 * @param lastCheckpoint the last valid in-file checkpoint, if any
 * @param checkpointsVerified in-file checkpoints that verified
 * @param heldCheckpointsVerified externally held checkpoints that the file was proven consistent with
 */
public record VerificationResult(Optional<Failure> failure, List<Warning> warnings, KeySource keySource,
    AuditPublicKey key, String origin, long records, ChainHash head, Optional<SignedCheckpoint> lastCheckpoint,
    int checkpointsVerified, int heldCheckpointsVerified) {

  public VerificationResult {
    Objects.requireNonNull(failure, "failure");
    warnings = List.copyOf(warnings);
    Objects.requireNonNull(keySource, "keySource");
    Objects.requireNonNull(lastCheckpoint, "lastCheckpoint");
  }

  /** True if no failure was found (warnings may still apply). */
  public boolean valid() {
    return failure.isEmpty();
  }

  /** VALID, VALID_WITH_WARNINGS or INVALID. */
  public Status status() {
    if (failure.isPresent()) {
      return Status.INVALID;
    }
    return warnings.isEmpty() ? Status.VALID : Status.VALID_WITH_WARNINGS;
  }

  /** True if a warning of this kind was raised. */
  public boolean hasWarning(Warning.Kind kind) {
    return warnings.stream().anyMatch(w -> w.kind() == kind);
  }

  /** Overall verdict. */
  public enum Status { VALID, VALID_WITH_WARNINGS, INVALID }

  /** Where the checkpoint-verification key came from. */
  public enum KeySource {
    /** Supplied by the verifier's caller (e.g. {@code --key}), obtained outside the file: it wins. */
    GIVEN,
    /** Only the key in the file's own header: proves consistency, not who signed. */
    EMBEDDED
  }

  /**
   * The first break.
   *
   * @param sequence the sequence number of the first record that is not proven authentic (0: the
   *     header or a checkpoint before any record)
   * @param reason the kind of break
   * @param message a human sentence: what broke and what it means
   */
  public record Failure(long sequence, Reason reason, String message) {
    public Failure {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }
  }

  /** Why verification failed. */
  public enum Reason {
    /** A line is not in the documented format (or the header is missing). */
    MALFORMED,
    /** A record's content does not match its stored hash: a field was changed. */
    EDITED,
    /** A self-consistent record does not extend its predecessor: the predecessor was rewritten with a recomputed hash, or records were replaced. */
    CHAIN_BROKEN,
    /** Sequence numbers jump or go back: records were deleted, reordered, duplicated or inserted. */
    DELETED_OR_REORDERED,
    /** A checkpoint carries a signature line of the key that does not verify: forged or altered. */
    BAD_CHECKPOINT_SIGNATURE,
    /** A checkpoint has no signature from the verification key: signed by another key. */
    UNTRUSTED_CHECKPOINT_KEY,
    /** A validly signed in-file checkpoint disagrees with the chain (or names another origin). */
    CHECKPOINT_MISMATCH,
    /**
     * A checkpoint held outside the server covers records the file does not have: the file was
     * exported before that checkpoint was handed out, or its tail was removed (an export made after
     * the checkpoint tells which).
     */
    TRUNCATED,
    /** The file's chain disagrees with a checkpoint held outside the server: history was rewritten. */
    REWRITTEN,
    /** The last records are not covered by any signed checkpoint (strict mode, the default). */
    UNSIGNED_RECORDS
  }

  /** A limit on what a successful verification proves. */
  public record Warning(Kind kind, String message) {
    public Warning {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(message, "message");
    }

    public enum Kind {
      /** No key was given: checkpoints were checked only with the key the file itself names. */
      EMBEDDED_KEY_ONLY,
      /** The file's header names a different key from the one given. */
      HEADER_KEY_DIFFERS,
      /** The last records are not covered by any signed checkpoint (only with {@code allowingUnsignedTail()}). */
      UNSIGNED_TAIL,
      /** No checkpoint held outside the server was given: truncation and re-signed rewrites cannot be detected. */
      NO_EXTERNAL_CHECKPOINT,
      /** A held checkpoint belongs to another log (origin) and was ignored. */
      HELD_CHECKPOINT_OTHER_ORIGIN,
      /**
       * Records were signed after the fact: a writer found them unsigned after a crash and signed them at its next
       * start, after a record naming them ({@link AuditLogWriter#UNSIGNED_TAIL_ACTION}); the key vouches for them only
       * as found then, so check them against checkpoints the parties hold.
       */
      SIGNED_AFTER_THE_FACT,
      /**
       * The log says it replaced another ({@link AuditLogWriter#LOG_REPLACED_ACTION}): the history before it is in that
       * log, verified with that log's own key.
       */
      LOG_REPLACED
    }
  }
}
