package dev.sealdrop.envelope;

/** The envelope names a suite this version does not implement; it is refused, never downgraded. */
public final class UnknownSuiteException extends EnvelopeException {
  public UnknownSuiteException(String printableSuite) {
    super("unsupported envelope suite \"" + printableSuite + "\"; upgrade sealdrop or ask the sender to re-seal");
  }
}
