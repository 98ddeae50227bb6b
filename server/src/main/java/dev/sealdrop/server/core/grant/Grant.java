package dev.sealdrop.server.core.grant;

import java.time.Instant;
import java.util.Objects;

/**
 * A grant as stored (never its token, which exists only as a hash), with the granted file's size
 * and fingerprint.
 */
public record Grant(String id, String fileId, String owner, String recipient, GrantState state, Instant createdAt,
    Instant expiresAt, int maxDownloads, int downloadsUsed, long size, String fingerprint) {
  public Grant {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(fileId, "fileId");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** The state as the caller should see it now: an ACTIVE grant past its expiry is EXPIRED. */
  public Grant asOf(Instant now) {
    if (state == GrantState.ACTIVE && !now.isBefore(expiresAt)) {
      return new Grant(id, fileId, owner, recipient, GrantState.EXPIRED, createdAt, expiresAt, maxDownloads,
          downloadsUsed, size, fingerprint);
    }
    return this;
  }
}
