package dev.sealdrop.server.core.upload;

import java.time.Duration;
import java.util.Objects;

/**
 * Upload limits, validated once.
 *
 * @param maxUploadBytes the largest envelope accepted
 * @param quotaBytes what one identity may store in total (committed files)
 * @param checkpointBytes how often (in bytes received) an upload's progress is fsynced and recorded
 * @param abandonAfter an OPEN upload idle this long is expired and its temporary data deleted
 */
public record UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter) {
  public static final UploadPolicy DEFAULT =
      new UploadPolicy(8L << 30, 64L << 30, 16L << 20, Duration.ofHours(24));

  public UploadPolicy {
    if (maxUploadBytes <= 0 || quotaBytes <= 0 || checkpointBytes <= 0) {
      throw new IllegalArgumentException("upload limits: maxUploadBytes, quotaBytes and checkpointBytes must be > 0");
    }
    Objects.requireNonNull(abandonAfter, "abandonAfter");
    if (abandonAfter.isNegative() || abandonAfter.isZero()) {
      throw new IllegalArgumentException("upload limits: abandonAfter must be > 0");
    }
  }
}
