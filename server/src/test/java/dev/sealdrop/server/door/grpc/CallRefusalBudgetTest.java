package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * Refused calls of a caller with a certificate ({@code call.refuse}) are audited within a budget a minute, the rest
 * summed: one acquirer's script calling what its role may not wrote about 500 records a second to the audit log
 * (outside test), which a full disk turns into a stopped server. Every call is still refused, and counted.
 */
class CallRefusalBudgetTest extends OneServerPerMethod {
  private static final int CALLS = 300;

  @Test
  void aFloodOfRefusedCallsIsAuditedUpToTheBudgetAndEveryCallIsStillRefused() throws Exception {
    TransferServiceGrpc.TransferServiceBlockingStub bob = clients.transfer("bob");
    for (int i = 0; i < CALLS; i++) {
      assertThatThrownBy(() -> bob.listFiles(ListFilesRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode())
              .isEqualTo(Status.Code.PERMISSION_DENIED));
    }
    long recorded = server.server().audit().tail(2 * CALLS).stream()
        .filter(r -> r.action().equals("call.refuse") && r.actor().equals("bob")).count();
    // the budget of a minute, and at most once more if the minute turned during the calls
    assertThat(recorded).isGreaterThanOrEqualTo(RefusalThrottle.DEFAULT_PER_MINUTE).isLessThan(CALLS);

    // a shutdown within the minute writes the sum of those left out before its last record (outside test: lost)
    clients.close();
    server.close();
    server.start();
    clients = server.clients();
    java.util.List<dev.sealdrop.server.core.audit.Audit.Entry> log = server.server().audit().tail(3 * CALLS);
    long summed = log.stream().filter(r -> r.action().equals("call.refuse") && r.actor().equals("bob")
        && r.result().equals(RefusalThrottle.RATE_LIMITED)).mapToLong(r -> Long.parseLong(r.details().get("suppressed")))
        .sum();
    assertThat(recorded + summed).as("every refusal recorded or counted").isEqualTo(CALLS);
  }
}
