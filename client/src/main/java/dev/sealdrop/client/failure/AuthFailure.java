package dev.sealdrop.client.failure;

/** The server (or we) refused the TLS handshake or the client certificate. */
public final class AuthFailure extends SealdropFailure {
  public AuthFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public AuthFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
