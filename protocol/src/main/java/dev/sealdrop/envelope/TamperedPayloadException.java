package dev.sealdrop.envelope;

/**
 * A payload chunk failed authentication, or the payload was truncated, reordered or extended. An envelope that ends
 * before the length its authenticated metadata announces is the subtype {@link TruncatedEnvelopeException}.
 */
public sealed class TamperedPayloadException extends EnvelopeException permits TruncatedEnvelopeException {
  public TamperedPayloadException(long chunkIndex) {
    super("chunk " + chunkIndex + " failed authentication; file corrupted or tampered with");
  }

  TamperedPayloadException(String message) {
    super(message);
  }
}
