package dev.sealdrop.envelope;

/** The envelope's declared sender (identity and signing key) is not one the caller accepts. */
public final class UntrustedSenderException extends EnvelopeException {
  private final String printableIdentity;
  private final String keyFingerprint;

  public UntrustedSenderException(String printableIdentity, String keyFingerprint) {
    super("sender \"" + printableIdentity + "\" with signing key " + keyFingerprint
        + " is not trusted here; verify the sender's key bundle first");
    this.printableIdentity = printableIdentity;
    this.keyFingerprint = keyFingerprint;
  }

  /** The sender identity the envelope declares, with control characters escaped (not authenticated). */
  public String printableIdentity() {
    return printableIdentity;
  }

  /** The display fingerprint of the signing key the envelope declares (not authenticated). */
  public String keyFingerprint() {
    return keyFingerprint;
  }
}
