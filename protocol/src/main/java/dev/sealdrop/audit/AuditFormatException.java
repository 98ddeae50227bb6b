package dev.sealdrop.audit;

import java.io.IOException;

/** An audit file, line, checkpoint note or key is not in the documented format (docs/audit-log.md). */
public final class AuditFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public AuditFormatException(String message) {
    super(message);
  }

  public AuditFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
