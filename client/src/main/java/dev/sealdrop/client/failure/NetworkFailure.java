package dev.sealdrop.client.failure;

/** The server cannot be reached, is shutting down, or the connection broke. */
public final class NetworkFailure extends SealdropFailure {
  public NetworkFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public NetworkFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
