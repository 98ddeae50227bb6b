package dev.sealdrop.audit;

import java.io.IOException;

/**
 * The writer refused to resume an existing log because it does not verify (or belongs to another
 * origin or key). Nothing was appended. The operator must keep the file as evidence, move it
 * aside and start a new log (a new origin is advisable), after investigating.
 */
public final class AuditLogCorruptException extends IOException {
  private static final long serialVersionUID = 1L;
  private final transient VerificationResult result;

  public AuditLogCorruptException(String message, VerificationResult result) {
    super(message);
    this.result = result;
  }

  /** The verification that failed; null if the refusal was about origin or key. */
  public VerificationResult result() {
    return result;
  }
}
