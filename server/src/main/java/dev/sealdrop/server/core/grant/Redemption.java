package dev.sealdrop.server.core.grant;

import java.time.Instant;
import java.util.List;

/**
 * A won claim: the claim secret (shown once to the recipient), the grant, when the claim lapses
 * unless the download completes, and the fingerprints of the recipient keys the file is sealed for
 * (from its envelope header, validated at upload), so that a recipient can tell before downloading
 * whether its keys can open it.
 */
public record Redemption(String claimSecret, Grant grant, Instant claimExpiresAt,
    List<String> recipientKeyFingerprints) {
  public Redemption {
    recipientKeyFingerprints = List.copyOf(recipientKeyFingerprints);
  }

  @Override
  public String toString() {
    return "Redemption[grant=" + grant.id() + ", claimExpiresAt=" + claimExpiresAt + ", claimSecret=<redacted>]";
  }
}
