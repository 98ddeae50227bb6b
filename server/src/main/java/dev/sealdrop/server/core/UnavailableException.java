package dev.sealdrop.server.core;

/** The server cannot serve the request now (shutting down). */
public final class UnavailableException extends SealdropException {
  public UnavailableException(Reason reason, String message) {
    super(reason, message);
  }
}
