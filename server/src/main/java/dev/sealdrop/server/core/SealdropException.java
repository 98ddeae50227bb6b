package dev.sealdrop.server.core;

import java.util.Objects;

/**
 * Every refusal the core reports, in the core's own words. Doors translate the concrete subclass
 * into their protocol's status ({@code door.grpc.ErrorMapper}); the message says what happened and
 * what to do, and never carries a secret, a token or a stack trace.
 */
public abstract sealed class SealdropException extends RuntimeException
    permits UnauthenticatedException, PermissionDeniedException, NotFoundException, InvalidRequestException,
        InvalidEnvelopeException, GrantUnavailableException, PreconditionFailedException, LimitExceededException,
        UnavailableException, AlreadyExistsException {
  private final Reason reason;

  protected SealdropException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"), null, false, false);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The machine-readable reason. */
  public final Reason reason() {
    return reason;
  }
}
