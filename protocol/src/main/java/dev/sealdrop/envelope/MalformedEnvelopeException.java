package dev.sealdrop.envelope;

/** The bytes are not a well-formed sealdrop envelope, or its header failed authentication. */
public final class MalformedEnvelopeException extends EnvelopeException {
  public MalformedEnvelopeException(String detail) {
    super("parsing sealdrop envelope: " + detail);
  }
}
