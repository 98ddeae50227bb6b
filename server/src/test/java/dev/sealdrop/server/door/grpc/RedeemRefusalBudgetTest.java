package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round T: one acquirer's script of random tokens made 43,000 refused redeems a minute, each a record (12 MB a minute
 * of audit log, which a full disk turns into a stopped server). Refused grant acts are audited within a budget a
 * minute of their own and the rest summed, as refused calls are: every redeem is still refused, and counted.
 */
class RedeemRefusalBudgetTest extends OneServerPerMethod {
  private static final int REDEEMS = 300;

  @Test
  void aFloodOfRefusedRedeemsIsAuditedUpToTheBudgetAndEveryOneIsCounted() throws Exception {
    TransferServiceGrpc.TransferServiceBlockingStub bob = clients.transfer("bob");
    java.util.Random random = new java.util.Random(38);
    for (int i = 0; i < REDEEMS; i++) {
      byte[] guess = new byte[32];
      random.nextBytes(guess);
      String token = "sdg_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(guess);
      assertThatThrownBy(() -> bob.redeem(RedeemRequest.newBuilder().setToken(token).build()))
          .isInstanceOf(StatusRuntimeException.class);
    }
    long recorded = server.server().audit().tail(2 * REDEEMS).stream()
        .filter(r -> r.action().equals("grant.redeem") && r.actor().equals("bob")).count();
    // the budget of a minute, and at most once more if the minute turned during the redeems
    assertThat(recorded).isGreaterThanOrEqualTo(RefusalThrottle.DEFAULT_PER_MINUTE).isLessThan(REDEEMS);

    clients.close();
    server.close();
    server.start();
    clients = server.clients();
    List<Audit.Entry> log = server.server().audit().tail(3 * REDEEMS);
    List<Audit.Entry> sums = log.stream().filter(r -> r.action().equals("grant.redeem") && r.actor().equals("bob")
        && r.result().equals(RefusalThrottle.RATE_LIMITED)).toList();
    assertThat(sums).allSatisfy(r -> assertThat(r.details()).containsEntry("first-result", "not-found")
        .containsEntry(Audit.DOOR, "grpc"));
    long summed = sums.stream().mapToLong(r -> Long.parseLong(r.details().get("suppressed"))).sum();
    assertThat(recorded + summed).as("every refusal recorded or counted").isEqualTo(REDEEMS);
  }
}
