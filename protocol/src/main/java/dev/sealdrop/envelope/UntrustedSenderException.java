package dev.sealdrop.envelope;

/** The envelope's declared sender (identity and signing key) is not one the caller accepts. */
public final class UntrustedSenderException extends EnvelopeException {
  public UntrustedSenderException(String printableIdentity, String keyFingerprint) {
    super("sender \"" + printableIdentity + "\" with signing key " + keyFingerprint
        + " is not trusted here; verify the sender's key bundle first");
  }
}
