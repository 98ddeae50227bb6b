package dev.sealdrop.client.failure;

/** The command line asks for something impossible (bad value, missing profile, file not found). */
public final class UsageFailure extends SealdropFailure {
  public UsageFailure(String reason, String message, String hint) {
    super(reason, message, hint, null);
  }

  public UsageFailure(String reason, String message, String hint, Throwable cause) {
    super(reason, message, hint, cause);
  }
}
