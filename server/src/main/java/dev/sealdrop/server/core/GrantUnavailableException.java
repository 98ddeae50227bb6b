package dev.sealdrop.server.core;

/** A grant exists and is the caller's, but cannot be redeemed or downloaded now (expired, consumed, revoked, claimed). */
public final class GrantUnavailableException extends SealdropException {
  public GrantUnavailableException(Reason reason, String message) {
    super(reason, message);
  }
}
