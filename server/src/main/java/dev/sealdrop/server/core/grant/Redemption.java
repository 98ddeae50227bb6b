package dev.sealdrop.server.core.grant;

import java.time.Instant;

/**
 * A won claim: the claim secret (shown once to the recipient), the grant, and when the claim lapses
 * unless the download completes.
 */
public record Redemption(String claimSecret, Grant grant, Instant claimExpiresAt) {
  @Override
  public String toString() {
    return "Redemption[grant=" + grant.id() + ", claimExpiresAt=" + claimExpiresAt + ", claimSecret=<redacted>]";
  }
}
