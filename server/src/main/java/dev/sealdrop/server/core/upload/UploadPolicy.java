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
 * @param maxUploadStreams how many upload streams the server receives at once, all callers and both doors (each
 *     holds buffers: an SFTP upload some 6.5 MiB of heap, a gRPC one its connection's 4 MiB window); one more is
 *     refused as {@code SERVER_BUSY} and loses nothing (the CLI waits and resumes)
 * @param maxUploadStreamsPerIdentity how many of those one identity may hold at once, so that one whose uploads stall
 *     cannot take every slot; one more is refused as {@code TOO_MANY_UPLOAD_STREAMS}. At or above {@code
 *     maxUploadStreams}: a caller whose own streams hold every slot is refused so too (naming the server-wide cap).
 */
public record UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter,
    Duration stallTimeout, long storageReserveBytes, int maxUploadStreams, int maxUploadStreamsPerIdentity) {
  /** {@link #storageReserveBytes} unless configured: 32 MiB, some 100,000 audit records. */
  public static final long DEFAULT_STORAGE_RESERVE = 32L << 20;
  /**
   * {@link #maxUploadStreams} unless configured, on a large enough heap: one per 10 MiB of the heap ({@link
   * #defaultUploadStreams}), at most this many.
   */
  public static final int DEFAULT_UPLOAD_STREAMS = 32;
  /** The heap {@link #defaultUploadStreams} counts for each upload stream: an SFTP upload holds about 6.5 MiB. */
  static final long HEAP_PER_DEFAULT_STREAM = 10L << 20;
  /** {@link #maxUploadStreamsPerIdentity} unless configured, as for downloads. */
  public static final int DEFAULT_UPLOAD_STREAMS_PER_IDENTITY = 8;
  public static final UploadPolicy DEFAULT =
      new UploadPolicy(8L << 30, 64L << 30, 16L << 20, Duration.ofHours(24), Duration.ofMinutes(10));

  /** These limits with the default {@link #storageReserveBytes}. */
  public UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter,
      Duration stallTimeout) {
    this(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout, DEFAULT_STORAGE_RESERVE);
  }

  /** These limits with the default stream caps. */
  public UploadPolicy(long maxUploadBytes, long quotaBytes, long checkpointBytes, Duration abandonAfter,
      Duration stallTimeout, long storageReserveBytes) {
    this(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout, storageReserveBytes,
        defaultUploadStreams(Runtime.getRuntime().maxMemory()), DEFAULT_UPLOAD_STREAMS_PER_IDENTITY);
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
    if (maxUploadStreams < 1 || maxUploadStreamsPerIdentity < 1) {
      throw new IllegalArgumentException("upload limits: maxUploadStreams and maxUploadStreamsPerIdentity must be >= 1");
    }
  }

  /** These limits with another {@link #stallTimeout}. */
  public UploadPolicy withStallTimeout(Duration timeout) {
    return new UploadPolicy(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, timeout, storageReserveBytes,
        maxUploadStreams, maxUploadStreamsPerIdentity);
  }

  /** These limits with another {@link #storageReserveBytes}. */
  public UploadPolicy withStorageReserve(long bytes) {
    return new UploadPolicy(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout, bytes,
        maxUploadStreams, maxUploadStreamsPerIdentity);
  }

  /**
   * The default {@link #maxUploadStreams} for a JVM whose heap may grow to {@code maxHeapBytes}: one stream per 10 MiB,
   * between 4 and {@value #DEFAULT_UPLOAD_STREAMS}. 32 SFTP uploads at once fill a 256 MiB heap nearly to the top
   * (round BE, docs/sftp.md "Memory": up to 254 MiB live after a full GC; 48 ran it out before the cap), leaving
   * nothing for downloads; with {@code -Xmx256m} this gives 25, and from about 320 MiB on, 32.
   */
  public static int defaultUploadStreams(long maxHeapBytes) {
    return (int) Math.max(4, Math.min(DEFAULT_UPLOAD_STREAMS, maxHeapBytes / HEAP_PER_DEFAULT_STREAM));
  }

  /** These limits with other stream caps (server-wide, per identity). */
  public UploadPolicy withUploadStreams(int streams, int perIdentity) {
    return new UploadPolicy(maxUploadBytes, quotaBytes, checkpointBytes, abandonAfter, stallTimeout,
        storageReserveBytes, streams, perIdentity);
  }
}
