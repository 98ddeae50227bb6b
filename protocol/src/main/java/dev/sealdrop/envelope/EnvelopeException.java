package dev.sealdrop.envelope;

/**
 * Why an envelope was refused. Sealed: every failure is one of seven kinds, each with its own CLI
 * exit code and a deliberately uniform message that reveals nothing about keys or plaintext.
 */
public abstract sealed class EnvelopeException extends java.io.IOException permits MalformedEnvelopeException,
    UnknownSuiteException, NoMatchingIdentityException, TamperedPayloadException, BadSignatureException,
    UntrustedSenderException, NotTheExpectedFileException {
  EnvelopeException(String message) {
    super(message);
  }
}
