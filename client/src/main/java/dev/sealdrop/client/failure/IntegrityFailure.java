package dev.sealdrop.client.failure;

/** Data failed authentication: tampered ciphertext, bad signature, untrusted or changed key, or we are not a recipient. */
public final class IntegrityFailure extends SealdropFailure {
  public IntegrityFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public IntegrityFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
