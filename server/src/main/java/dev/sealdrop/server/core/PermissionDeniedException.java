package dev.sealdrop.server.core;

/** The caller is authenticated but may not do this: wrong role, or the object belongs to someone else. */
public final class PermissionDeniedException extends SealdropException {
  public PermissionDeniedException(Reason reason, String message) {
    super(reason, message);
  }
}
