package dev.sealdrop.server.core;

/** A configured size limit or quota would be exceeded. */
public final class LimitExceededException extends SealdropException {
  public LimitExceededException(Reason reason, String message) {
    super(reason, message);
  }

  /**
   * The refusal of a call that found the server short of memory ({@code e}: the JVM could not reserve a buffer, as when
   * callers' unfinished messages fill its direct memory): {@code SERVER_BUSY}, which a client retries (round T: it
   * escaped as an error, left the upload "busy" until a restart, and the client saw UNKNOWN).
   */
  public static LimitExceededException shortOfMemory(OutOfMemoryError e) {
    // said in the server's log, at most once a second with how many more (review DX: a call refused so was recorded
    // as an ordinary busy refusal, the operator and the load test's check for OutOfMemoryError told nothing)
    long now = System.nanoTime();
    long last = lastShortOfMemoryLog.get();
    long more = shortOfMemorySince.incrementAndGet();
    if (now - last >= 1_000_000_000L && lastShortOfMemoryLog.compareAndSet(last, now)) {
      shortOfMemorySince.addAndGet(-more);
      org.slf4j.LoggerFactory.getLogger(LimitExceededException.class).warn("the server is short of memory ({}): a call"
          + " was refused as busy ({} such refusal(s) since the last of these lines); give it more heap or direct"
          + " memory, or lower max-upload-streams / max-download-streams", e.toString(), more);
    }
    return new LimitExceededException(Reason.SERVER_BUSY, "server busy: it is short of memory (" + e.getMessage()
        + "); retry in a moment (an upload or a download resumes where it stopped)");
  }

  private static final java.util.concurrent.atomic.AtomicLong lastShortOfMemoryLog =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - 2_000_000_000L);
  private static final java.util.concurrent.atomic.AtomicLong shortOfMemorySince =
      new java.util.concurrent.atomic.AtomicLong();
}
