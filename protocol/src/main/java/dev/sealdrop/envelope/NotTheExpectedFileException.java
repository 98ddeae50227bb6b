package dev.sealdrop.envelope;

/**
 * The envelope verified (its sender's signature, every chunk) but is not the file the caller expected: its
 * fingerprint differs from the one the caller was given for it (a grant's). Another intact file of the same sender
 * for the same recipient was put in its place, as a server that swapped its stored files would. Nothing was written.
 */
public final class NotTheExpectedFileException extends EnvelopeException {
  private final String expected;
  private final String actual;

  public NotTheExpectedFileException(String expected, String actual) {
    super("the file verifies but is not the one expected: its fingerprint is " + actual + ", not " + expected);
    this.expected = expected;
    this.actual = actual;
  }

  /** The fingerprint the caller expected (hex SHA-256 of the signed ciphertext). */
  public String expected() {
    return expected;
  }

  /** The fingerprint of the envelope that arrived. */
  public String actual() {
    return actual;
  }
}
