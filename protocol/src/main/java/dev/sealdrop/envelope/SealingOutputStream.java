package dev.sealdrop.envelope;

import java.io.OutputStream;

/**
 * Plaintext goes in; a sealed envelope comes out of the stream given to
 * {@link Envelope#seal}. {@link #close()} seals the last chunk and writes the signed trailer
 * (and flushes, but does not close, the underlying stream).
 */
public abstract class SealingOutputStream extends OutputStream {
  protected SealingOutputStream() {}

  /** The envelope's public fingerprint (lowercase hex); only after {@link #close()}. */
  public abstract String fingerprint();
}
