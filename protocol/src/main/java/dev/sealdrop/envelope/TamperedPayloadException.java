package dev.sealdrop.envelope;

/** A payload chunk failed authentication, or the payload was truncated, reordered or extended. */
public final class TamperedPayloadException extends EnvelopeException {
  public TamperedPayloadException(long chunkIndex) {
    super("chunk " + chunkIndex + " failed authentication; file corrupted or tampered with");
  }
}
