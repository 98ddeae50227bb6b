package dev.sealdrop.client.failure;

/** A grant cannot be redeemed: expired, consumed, revoked, claimed by another client, or not found. */
public final class GrantFailure extends SealdropFailure {
  public GrantFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public GrantFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
