package dev.sealdrop.server.core;

/** An upload is not a well-formed, correctly signed envelope from the uploader. */
public final class InvalidEnvelopeException extends SealdropException {
  public InvalidEnvelopeException(Reason reason, String message) {
    super(reason, message);
  }
}
