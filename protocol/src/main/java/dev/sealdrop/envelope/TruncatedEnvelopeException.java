package dev.sealdrop.envelope;

/**
 * The envelope's last chunk failed authentication, and the envelope is shorter than the length its header and
 * authenticated metadata announce: most likely it was cut short (an interrupted download or copy), though removing
 * its last chunks looks the same. Still a {@link TamperedPayloadException}: nothing of it may be used.
 */
public final class TruncatedEnvelopeException extends TamperedPayloadException {
  private final long bytes;
  private final long expectedBytes;

  public TruncatedEnvelopeException(long bytes, long expectedBytes) {
    super("the file ends after " + bytes + " bytes, before the " + expectedBytes + " bytes its header announces: it"
        + " was cut short, or altered");
    this.bytes = bytes;
    this.expectedBytes = expectedBytes;
  }

  /** The envelope's length as read. */
  public long bytes() {
    return bytes;
  }

  /** The length its header and metadata announce. */
  public long expectedBytes() {
    return expectedBytes;
  }
}
