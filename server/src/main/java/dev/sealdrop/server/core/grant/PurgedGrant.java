package dev.sealdrop.server.core.grant;

import java.time.Instant;
import java.util.Objects;

/**
 * What the server keeps of a grant it purged (with its file, by an admin or its sender, or by retention): enough to
 * tell the token's holder that the grant existed and why it is gone, and nothing of the file. It is
 * found only by the token's hash, so only a holder of the token learns of it, and the recipient check
 * comes first, as for a live grant.
 *
 * @param endedIn the state the grant was in when it was purged (EXPIRED when it was past its expiry)
 */
public record PurgedGrant(String grantId, String fileId, String recipient, GrantState endedIn, Instant expiresAt,
    Cause cause, Instant purgedAt) {
  /** Who purged it. */
  public enum Cause {
    /** An admin's {@code PurgeFile} deleted its file and it. */
    ADMIN,
    /** Its sender's {@code DeleteFile} deleted its file and it. */
    OWNER,
    /** Retention deleted it once it had been dead (consumed, revoked, expired) for the retention period. */
    RETENTION
  }

  public PurgedGrant {
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(fileId, "fileId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(endedIn, "endedIn");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(purgedAt, "purgedAt");
  }
}
