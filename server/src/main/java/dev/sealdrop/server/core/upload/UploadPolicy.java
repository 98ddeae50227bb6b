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
 * @param stallTimeout an upload stream whose client has sent nothing for this long, while its connection stays up,
 *     is stopped ({@code UPLOAD_STALLED}): what it sent is kept for a resume, and the upload is free for one
 * @param storageReserveBytes what uploads leave free on the data folder's file system, for the database and the audit
 *     log (an audit log that cannot be written stops the server): an upload that would take it is stopped with
 *     {@code STORAGE_FULL}; 0: none kept
 */
public record UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter,
    Duration stallTimeout, long storageReserveBytes) {
  /** {@link #storageReserveBytes} unless configured: 32 MiB, some 100,000 audit records. */
  public static final long DEFAULT_STORAGE_RESERVE = 32L << 20;
  public static final UploadPolicy DEFAULT =
      new UploadPolicy(8L << 30, 64L << 30, 16L << 20, Duration.ofHours(24), Duration.ofMinutes(10));

  /** These limits with the default {@link #storageReserveBytes}. */
  public UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter,
      Duration stallTimeout) {
    this(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout, DEFAULT_STORAGE_RESERVE);
  }


  public UploadPolicy {
    if (maxUploadBytes <= 0 || quotaBytes <= 0 || checkpointBytes <= 0) {
      throw new IllegalArgumentException("upload limits: maxUploadBytes, quotaBytes and checkpointBytes must be > 0");
    }
    Objects.requireNonNull(abandonAfter, "abandonAfter");
    if (abandonAfter.isNegative() || abandonAfter.isZero()) {
      throw new IllegalArgumentException("upload limits: abandonAfter must be > 0");
    }
    Objects.requireNonNull(stallTimeout, "stallTimeout");
    if (stallTimeout.isNegative() || stallTimeout.isZero()) {
      throw new IllegalArgumentException("upload limits: stallTimeout must be > 0");
    }
    if (storageReserveBytes < 0) {
      throw new IllegalArgumentException("upload limits: storageReserveBytes must be >= 0");
    }
  }

  /** These limits with another {@link #stallTimeout}. */
  public UploadPolicy withStallTimeout(Duration timeout) {
    return new UploadPolicy(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, timeout, storageReserveBytes);
  }

  /** These limits with another {@link #storageReserveBytes}. */
  public UploadPolicy withStorageReserve(long bytes) {
    return new UploadPolicy(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout, bytes);
  }
}
