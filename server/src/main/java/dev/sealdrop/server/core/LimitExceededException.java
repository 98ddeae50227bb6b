package dev.sealdrop.server.core;

/** A configured size limit or quota would be exceeded. */
public final class LimitExceededException extends SealdropException {
  public LimitExceededException(Reason reason, String message) {
    super(reason, message);
  }
}
