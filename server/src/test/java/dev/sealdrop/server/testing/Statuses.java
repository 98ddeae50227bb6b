package dev.sealdrop.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Assertions on refused calls: the status code, the {@code sealdrop-reason} trailer, the message. */
public final class Statuses {
  public static final Metadata.Key<String> REASON = Metadata.Key.of("sealdrop-reason", Metadata.ASCII_STRING_MARSHALLER);

  private Statuses() {}

  /** Runs {@code call}, expects it to fail with {@code code} and {@code reason}; returns the exception. */
  public static StatusRuntimeException refused(ThrowingCallable call, Status.Code code, String reason) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call);
    assertThat(e).as("the call must be refused").isNotNull();
    assertThat(e.getStatus().getCode()).as("status of: " + e.getStatus()).isEqualTo(code);
    if (reason != null) {
      assertThat(e.getTrailers()).as("trailers of: " + e.getStatus()).isNotNull();
      assertThat(e.getTrailers().get(REASON)).as("reason of: " + e.getStatus()).isEqualTo(reason);
    }
    assertThat(e.getStatus().getDescription()).as("every refusal says what happened").isNotBlank();
    return e;
  }

  /** The full cause chain's messages, to find a TLS alert in a transport failure. */
  public static String causes(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c).append(" | ");
    }
    return sb.toString();
  }
}
