package dev.sealdrop.envelope;

import java.util.List;

/** None of the envelope's recipient stanzas is for the given private keys. */
public final class NoMatchingIdentityException extends EnvelopeException {
  private final List<String> sealedFor;

  public NoMatchingIdentityException() {
    this(List.of());
  }

  /** {@code sealedFor}: the display fingerprints of the recipient keys the header names (public, not authenticated). */
  public NoMatchingIdentityException(List<String> sealedFor) {
    super("no identity matched any of the envelope's recipients; it was not sealed for this key");
    this.sealedFor = List.copyOf(sealedFor);
  }

  /** The recipient keys the envelope's header names, in header order; empty where the caller did not read them. */
  public List<String> sealedFor() {
    return sealedFor;
  }
}
