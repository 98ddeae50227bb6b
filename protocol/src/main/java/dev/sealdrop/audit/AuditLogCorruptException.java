package dev.sealdrop.audit;

import java.io.IOException;

/**
 * The writer refused to resume an existing log because it does not verify, belongs to another
 * origin or key, or ends with unsigned records its user could never have left (see
 * {@link AuditLogWriter.Lifecycle}). Nothing was appended, and the file was left as it was found. The operator must keep the file as evidence, move it
 * aside and start a new log (a new origin is advisable), after investigating.
 */
public final class AuditLogCorruptException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient VerificationResult result;

  public AuditLogCorruptException(String message, VerificationResult result) {
    super(message);
    this.result = result;
  }

  /** The verification that failed; null if the log verified but was refused for its origin, key or unsigned tail. */
  public VerificationResult result() {
    return result;
  }
}
