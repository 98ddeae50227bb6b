package dev.sealdrop.server.door.grpc;

import dev.sealdrop.server.core.AlreadyExistsException;
import dev.sealdrop.server.core.GrantUnavailableException;
import dev.sealdrop.server.core.InvalidEnvelopeException;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.StorageFull;
import dev.sealdrop.server.core.UnauthenticatedException;
import dev.sealdrop.server.core.UnavailableException;
import dev.sealdrop.server.logging.SecretRedaction;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the core's sealed exceptions into gRPC statuses: each kind its own code, the core's
 * actionable message as the description, and the machine-readable reason in the trailer
 * {@value #REASON_KEY}. Anything else is an internal error reported with a reference only.
 */
public final class ErrorMapper {
  public static final String REASON_KEY = "sealdrop-reason";
  public static final Metadata.Key<String> REASON = Metadata.Key.of(REASON_KEY, Metadata.ASCII_STRING_MARSHALLER);
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  public static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof SealdropException e) {
      Metadata trailers = new Metadata();
      trailers.put(REASON, e.reason().name());
      // a description may quote what the caller sent, e.g. a token pasted as a grant id: never sent back
      return code(e).withDescription(bounded(SecretRedaction.redact(e.getMessage()))).asRuntimeException(trailers);
    }
    Optional<UnavailableException> full = StorageFull.of(t);
    if (full.isPresent()) {
      return toStatus(full.get());
    }
    String ref = UUID.randomUUID().toString().substring(0, 8);
    LOG.error("internal error (ref {})", ref, t);
    return Status.INTERNAL.withDescription("server: internal error (ref " + ref + "); retry, or report the ref to an admin")
        .asRuntimeException();
  }

  /**
   * The most characters of a description sent to a client. Descriptions quote what the caller sent
   * (an id, a name); a quote of a 20 KB field would pass the client's metadata limit (8 KiB in
   * grpc-java), and the client would see only INTERNAL "http2 exception" instead of the refusal.
   */
  static final int MAX_DESCRIPTION_CHARS = 1000;

  static String bounded(String description) {
    if (description == null || description.length() <= MAX_DESCRIPTION_CHARS) {
      return description;
    }
    int cut = MAX_DESCRIPTION_CHARS - 40;
    return description.substring(0, cut) + "... (" + (description.length() - cut) + " more characters)";
  }

  private static Status code(SealdropException e) {
    if (e instanceof UnauthenticatedException) {
      return Status.UNAUTHENTICATED;
    } else if (e instanceof PermissionDeniedException) {
      return Status.PERMISSION_DENIED;
    } else if (e instanceof NotFoundException) {
      return Status.NOT_FOUND;
    } else if (e instanceof AlreadyExistsException) {
      return Status.ALREADY_EXISTS;
    } else if (e instanceof InvalidRequestException || e instanceof InvalidEnvelopeException) {
      return Status.INVALID_ARGUMENT;
    } else if (e instanceof GrantUnavailableException || e instanceof PreconditionFailedException) {
      return Status.FAILED_PRECONDITION;
    } else if (e instanceof LimitExceededException) {
      return Status.RESOURCE_EXHAUSTED;
    } else if (e instanceof UnavailableException) {
      return Status.UNAVAILABLE;
    }
    throw new IllegalStateException("server: internal error: unmapped " + e.getClass());
  }
}
