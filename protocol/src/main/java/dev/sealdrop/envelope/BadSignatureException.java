package dev.sealdrop.envelope;

/** The sender's trailer signature does not verify: the file was altered or forged (e.g. by a co-recipient). */
public final class BadSignatureException extends EnvelopeException {
  public BadSignatureException() {
    super("sender signature does not verify; file corrupted, forged, or not from the declared sender");
  }
}
