package dev.sealdrop.server.core.grant;

import java.time.Instant;
import java.util.Objects;

/**
 * A won redemption. Identified by the hash of its secret (the client holds the secret).
 *
 * @param servedAllAt when the last byte was first served, or null
 * @param resumable whether a later connection may go on with it; false if it was redeemed through a door
 *     whose clients cannot ({@link dev.sealdrop.server.core.identity.Origin#resumesTransfers}: SFTP, where
 *     the claim secret lives only in the handle)
 */
public record Claim(String hash, String grantId, String recipient, ClaimState state, Instant createdAt,
    Instant expiresAt, Instant servedAllAt, boolean resumable) {
  public Claim {
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(grantId, "grantId");
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
