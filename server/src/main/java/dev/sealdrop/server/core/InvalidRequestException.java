package dev.sealdrop.server.core;

/** The request itself is malformed or out of the allowed range. */
public final class InvalidRequestException extends SealdropException {
  public InvalidRequestException(Reason reason, String message) {
    super(reason, message);
  }
}
