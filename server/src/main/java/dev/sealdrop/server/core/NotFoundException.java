package dev.sealdrop.server.core;

/** No such object for this caller (upload, file, grant, claim, identity, bundle). */
public final class NotFoundException extends SealdropException {
  public NotFoundException(Reason reason, String message) {
    super(reason, message);
  }
}
