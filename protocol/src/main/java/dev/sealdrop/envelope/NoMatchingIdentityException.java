package dev.sealdrop.envelope;

/** None of the envelope's recipient stanzas is for the given private keys. */
public final class NoMatchingIdentityException extends EnvelopeException {
  public NoMatchingIdentityException() {
    super("no identity matched any of the envelope's recipients; it was not sealed for this key");
  }
}
