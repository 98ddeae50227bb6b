package dev.sealdrop.client.failure;

/** The server refused: wrong role, or the object is not the caller's. */
public final class PermissionFailure extends SealdropFailure {
  public PermissionFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public PermissionFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
