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
    return new LimitExceededException(Reason.SERVER_BUSY, "server busy: it is short of memory (" + e.getMessage()
        + "); retry in a moment (an upload or a download resumes where it stopped)");
  }
}
