package dev.sealdrop.envelope;

/** The envelope names a suite this version does not implement; it is refused, never downgraded. */
public final class UnknownSuiteException extends EnvelopeException {
  private final boolean sealdropSuite;

  public UnknownSuiteException(String printableSuite) {
    this(printableSuite, printableSuite.startsWith("sealdrop/v"));
  }

  private UnknownSuiteException(String printableSuite, boolean sealdropSuite) {
    super(sealdropSuite
        // named as sealdrop's are: a newer version's, or this one's damaged (one flipped bit of the rest of the name)
        ? "unsupported envelope suite \"" + printableSuite + "\": the file was sealed by a newer sealdrop (upgrade"
            + " sealdrop, or ask the sender to re-seal it) or is damaged"
        // round AV: one flipped bit of the suite said "upgrade sealdrop"; no version of it names such a suite
        : "the envelope names the suite \"" + printableSuite + "\", which is no sealdrop suite: the file is damaged"
            + " or not a sealdrop envelope");
    this.sealdropSuite = sealdropSuite;
  }

  /** Whether the suite is named as sealdrop's are ({@code sealdrop/v...}): maybe one of a newer version. */
  public boolean sealdropSuite() {
    return sealdropSuite;
  }
}
