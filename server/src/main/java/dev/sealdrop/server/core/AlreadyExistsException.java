package dev.sealdrop.server.core;

/** The object to create exists already (an identity name, in any state: a revoked name is not reused). */
public final class AlreadyExistsException extends SealdropException {
  public AlreadyExistsException(Reason reason, String message) {
    super(reason, message);
  }
}
