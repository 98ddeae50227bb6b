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
 * @param maxDownloadStreams how many downloads the server serves at once, all callers and both doors
 *     together (each holds about 3 MiB of buffers); one more is refused as busy
 * @param maxDownloadStreamsPerIdentity how many of those one identity may hold at once (both doors
 *     together), so that one caller who opens downloads and stops reading cannot take every slot;
 *     one more is refused as {@code TOO_MANY_DOWNLOADS}. A share at or above
 *     {@code maxDownloadStreams} leaves only the server-wide cap.
 * @param downloadStallTimeout a download whose client has taken nothing for this long is stopped
 *     ({@code DOWNLOAD_STALLED}), so that its slot is free again; nothing is used up
 * @param maxLiveGrantsPerIdentity how many live grants (active and unexpired, or claimed) one identity may have
 *     created; one more is refused as {@code TOO_MANY_GRANTS}, so that one sender cannot grow the database and its
 *     recipients' inboxes without bound
 */
public record GrantPolicy(Duration defaultLifetime, Duration maxLifetime, int maxDownloads, Duration claimWindow,
    int maxDownloadStreams, int maxDownloadStreamsPerIdentity, Duration downloadStallTimeout,
    int maxLiveGrantsPerIdentity) {
  /**
   * 32 streams hold about 96 MiB at most: with room for uploads and the rest, a server run with
   * {@code -Xmx256m} serves them (bench/load.sh runs 32 concurrent downloads there).
   */
  public static final int DEFAULT_DOWNLOAD_STREAMS = 32;
  /**
   * A quarter of the default cap: a client that stalls its downloads holds 8 slots at most and 24
   * stay for everyone else, while one identity still runs more parallel receives than the CLI ever
   * opens (one stream per receive).
   */
  public static final int DEFAULT_DOWNLOAD_STREAMS_PER_IDENTITY = 8;
  /**
   * As long as the SFTP door's idle timeout: a client whose connection is alive (it answers keepalives) but
   * that has read nothing for ten minutes is stuck or holding the slot on purpose. A laptop that sleeps loses
   * its connection sooner, to the keepalive; a stopped download resumes from where it was.
   */
  public static final Duration DEFAULT_DOWNLOAD_STALL_TIMEOUT = Duration.ofMinutes(10);
  /**
   * Far more than a person sends by hand or a pipeline keeps open (grants live 72 h by default), and few enough that
   * a recipient's inbox of one sender's grants stays a small answer (round T: a script made 350,000).
   */
  public static final int DEFAULT_LIVE_GRANTS_PER_IDENTITY = 10_000;
  public static final GrantPolicy DEFAULT = new GrantPolicy(Duration.ofHours(72), Duration.ofDays(30), 10,
      Duration.ofHours(1), DEFAULT_DOWNLOAD_STREAMS, DEFAULT_DOWNLOAD_STREAMS_PER_IDENTITY,
      DEFAULT_DOWNLOAD_STALL_TIMEOUT, DEFAULT_LIVE_GRANTS_PER_IDENTITY);

  /** A grant's lifetime and download count, as this server's limits take a request's. */
  public record Terms(Duration lifetime, int downloads) {}

  /**
   * The terms a grant asked for with {@code lifetime} (zero: the default) and {@code maxDownloads} (0: one) gets, or
   * {@code INVALID_REQUEST} naming this server's limits: the one rule CreateGrant applies, and CreateUpload to the
   * terms its uploader states up front (so that a grant bound to fail is refused before any byte is sent).
   */
  public Terms terms(Duration lifetime, int maxDownloads) {
    Duration life = lifetime.isZero() ? defaultLifetime : lifetime;
    if (life.isNegative() || life.compareTo(maxLifetime) > 0) {
      throw new dev.sealdrop.server.core.InvalidRequestException(dev.sealdrop.server.core.Reason.INVALID_REQUEST,
          "a grant lives 1s to " + GrantService.readable(maxLifetime) + " on this server; asked for "
              + GrantService.readable(life));
    }
    int count = maxDownloads == 0 ? 1 : maxDownloads;
    if (count < 1 || count > this.maxDownloads) {
      throw new dev.sealdrop.server.core.InvalidRequestException(dev.sealdrop.server.core.Reason.INVALID_REQUEST,
          "a grant allows 1 to " + this.maxDownloads + " downloads on this server; asked for " + maxDownloads);
    }
    return new Terms(life, count);
  }

  public GrantPolicy {
    Objects.requireNonNull(defaultLifetime, "defaultLifetime");
    Objects.requireNonNull(maxLifetime, "maxLifetime");
    Objects.requireNonNull(claimWindow, "claimWindow");
    Objects.requireNonNull(downloadStallTimeout, "downloadStallTimeout");
    if (defaultLifetime.isNegative() || defaultLifetime.isZero() || maxLifetime.compareTo(defaultLifetime) < 0) {
      throw new IllegalArgumentException("grant limits: need 0 < defaultLifetime <= maxLifetime");
    }
    if (maxDownloads < 1) {
      throw new IllegalArgumentException("grant limits: maxDownloads must be >= 1");
    }
    if (claimWindow.isNegative() || claimWindow.isZero()) {
      throw new IllegalArgumentException("grant limits: claimWindow must be > 0");
    }
    if (maxDownloadStreams < 1) {
      throw new IllegalArgumentException("grant limits: maxDownloadStreams must be >= 1");
    }
    if (maxDownloadStreamsPerIdentity < 1) {
      throw new IllegalArgumentException("grant limits: maxDownloadStreamsPerIdentity must be >= 1");
    }
    if (downloadStallTimeout.isNegative() || downloadStallTimeout.isZero()) {
      throw new IllegalArgumentException("grant limits: downloadStallTimeout must be > 0");
    }
    if (maxLiveGrantsPerIdentity < 1) {
      throw new IllegalArgumentException("grant limits: maxLiveGrantsPerIdentity must be >= 1");
    }
  }

  /** These limits with another {@link #maxDownloadStreams}. */
  public GrantPolicy withMaxDownloadStreams(int streams) {
    return new GrantPolicy(defaultLifetime, maxLifetime, maxDownloads, claimWindow, streams,
        maxDownloadStreamsPerIdentity, downloadStallTimeout, maxLiveGrantsPerIdentity);
  }

  /** These limits with another {@link #maxDownloadStreamsPerIdentity}. */
  public GrantPolicy withMaxDownloadStreamsPerIdentity(int streams) {
    return new GrantPolicy(defaultLifetime, maxLifetime, maxDownloads, claimWindow, maxDownloadStreams, streams,
        downloadStallTimeout, maxLiveGrantsPerIdentity);
  }

  /** These limits with another {@link #downloadStallTimeout}. */
  public GrantPolicy withDownloadStallTimeout(Duration timeout) {
    return new GrantPolicy(defaultLifetime, maxLifetime, maxDownloads, claimWindow, maxDownloadStreams,
        maxDownloadStreamsPerIdentity, timeout, maxLiveGrantsPerIdentity);
  }

  /** These limits with another {@link #maxLiveGrantsPerIdentity}. */
  public GrantPolicy withMaxLiveGrantsPerIdentity(int grants) {
    return new GrantPolicy(defaultLifetime, maxLifetime, maxDownloads, claimWindow, maxDownloadStreams,
        maxDownloadStreamsPerIdentity, downloadStallTimeout, grants);
  }
}
