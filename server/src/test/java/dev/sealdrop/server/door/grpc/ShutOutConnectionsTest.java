package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review DN: a certificate the CA issued for a name that is no enrolled identity (which no admin can revoke), or for a
 * disabled one, completes the TLS handshake and has every call refused; each of its connections was recorded as an
 * accepted one, outside every budget, so a loop of connections grew the audit log without bound (about 20 GB a day from
 * one core) until the disk filled and the server refused everyone. They are recorded within the refused connections'
 * budget, with the reason.
 */
class ShutOutConnectionsTest extends OneServerPerMethod {
  @Test
  void theConnectionsOfAnUnenrolledNameAreRecordedWithinTheRefusalsBudget() throws Exception {
    server.pki.issue(CertSpec.client("zed")); // from the CA, never enrolled
    int tries = RefusalThrottle.DEFAULT_PER_MINUTE + 30;
    for (int i = 0; i < tries; i++) {
      ManagedChannel ch = clients.channel("zed");
      try {
        TransferServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .listInbox(ListInboxRequest.getDefaultInstance());
      } catch (StatusRuntimeException refused) {
        // IDENTITY_UNKNOWN, as every call of it
      } finally {
        ch.shutdownNow();
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    List<Audit.Entry> accepted = server.server().audit().tail(10_000).stream()
        .filter(e -> e.action().equals("connection.accept") && e.actor().equals("zed")).toList();
    assertThat(accepted).as("recorded one by one within the budget").isNotEmpty()
        .hasSizeLessThanOrEqualTo(RefusalThrottle.DEFAULT_PER_MINUTE)
        .allSatisfy(e -> assertThat(e.result()).isEqualTo("identity-unknown"));
  }
}
