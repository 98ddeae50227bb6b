package dev.sealdrop.server.core;

/** The caller's certificate or identity is not acceptable (missing, expired, revoked, unknown, disabled). */
public final class UnauthenticatedException extends SealdropException {
  public UnauthenticatedException(Reason reason, String message) {
    super(reason, message);
  }
}
