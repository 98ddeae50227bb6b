package dev.sealdrop.server.core.grant;

import java.time.Duration;
import java.util.Objects;

/**
 * Grant limits, validated once.
 *
 * @param defaultLifetime a grant's lifetime when its creator gives none (72 h)
 * @param maxLifetime the longest lifetime a creator may ask for
 * @param maxDownloads the largest download count a grant may allow
 * @param claimWindow how long a claim may download and resume; after the last byte is served, how
 *     long the client has to confirm before the download counts anyway
 */
public record GrantPolicy(Duration defaultLifetime, Duration maxLifetime, int maxDownloads, Duration claimWindow) {
  public static final GrantPolicy DEFAULT =
      new GrantPolicy(Duration.ofHours(72), Duration.ofDays(30), 10, Duration.ofHours(1));

  public GrantPolicy {
    Objects.requireNonNull(defaultLifetime, "defaultLifetime");
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    Objects.requireNonNull(claimWindow, "claimWindow");
    if (defaultLifetime.isNegative() || defaultLifetime.isZero() || maxLifetime.compareTo(defaultLifetime) < 0) {
      throw new IllegalArgumentException("grant limits: need 0 < defaultLifetime <= maxLifetime");
    }
    if (maxDownloads < 1) {
      throw new IllegalArgumentException("grant limits: maxDownloads must be >= 1");
    }
    if (claimWindow.isNegative() || claimWindow.isZero()) {
      throw new IllegalArgumentException("grant limits: claimWindow must be > 0");
    }
  }
}
