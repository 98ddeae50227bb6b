package dev.sealdrop.client.failure;

/** The local key store cannot be used: wrong passphrase, missing or damaged key file, no passphrase source. */
public final class KeyStoreFailure extends SealdropFailure {
  public KeyStoreFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public KeyStoreFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
