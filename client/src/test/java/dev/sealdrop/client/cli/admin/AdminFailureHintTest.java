package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.HostPort;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * Round BV: an admin command refused by a listener that answered with its own reason (its disk full) was told to check
 * the admin port and the profile's admin_server, as if the listener could not be reached.
 */
class AdminFailureHintTest {
  private static StatusRuntimeException refused(Status status, String reason) {
    Metadata trailers = new Metadata();
    trailers.put(GrpcFailures.REASON, reason);
    return status.withDescription("the server's disk is full").asRuntimeException(trailers);
  }

  @Test
  void aListenerThatAnswersWithItsOwnReasonGetsThatReasonsHintNotTheAddresss() throws Exception {
    HostPort admin = HostPort.parse("127.0.0.1:8444");
    SealdropFailure full = AdminConnection.failure(refused(Status.UNAVAILABLE, "STORAGE_FULL"), GrpcFailures.Op.GENERIC,
        admin, "carol");
    assertThat(full.reason()).isEqualTo("STORAGE_FULL");
    assertThat(full.hint()).get().asString().contains("free space").doesNotContain("admin_server");

    SealdropFailure unreachable = AdminConnection.failure(new StatusRuntimeException(Status.UNAVAILABLE
        .withCause(new java.net.ConnectException("Connection refused"))), GrpcFailures.Op.GENERIC, admin, "carol");
    assertThat(unreachable.hint()).get().asString().contains("admin_server");
  }
}
