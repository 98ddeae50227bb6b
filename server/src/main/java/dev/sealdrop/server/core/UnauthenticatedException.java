package dev.sealdrop.server.core;

/** The caller's certificate or identity is not acceptable (missing, expired, revoked, unknown, disabled). */
public final class UnauthenticatedException extends SealdropException {
  /** The audit result when it is not the reason's token; null otherwise. */
  private final String auditResult;

  public UnauthenticatedException(Reason reason, String message) {
    this(reason, null, message);
  }

  /**
   * {@code auditResult}: what the audit log records for this refusal where the reason the client is told says less
   * (an identity's revocation is told as {@link Reason#CERTIFICATE_REVOKED}, since every certificate of it is, but
   * recorded as {@code identity-revoked}: round DA); null for the reason's own token.
   */
  public UnauthenticatedException(Reason reason, String auditResult, String message) {
    super(reason, message);
    this.auditResult = auditResult;
  }

  /** The audit result that replaces the reason's token, or null. */
  public String auditResult() {
    return auditResult;
  }
}
