package dev.sealdrop.server.core;

/** The object is in a state that does not allow the request (wrong resume offset, closed upload, unconfirmed download). */
public final class PreconditionFailedException extends SealdropException {
  public PreconditionFailedException(Reason reason, String message) {
    super(reason, message);
  }
}
