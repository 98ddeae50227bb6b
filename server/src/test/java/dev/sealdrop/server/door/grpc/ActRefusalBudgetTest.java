package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.protocol.v1.AbandonUploadRequest;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Round T: one acquirer's script of random tokens made 43,000 refused redeems a minute, each a record (12 MB a minute
 * of audit log, which a full disk turns into a stopped server). Refused grant acts are audited within a budget a
 * minute of their own and the rest summed, as refused calls are: every redeem is still refused, and counted. Round AE:
 * refused downloads (random claim ids) and refused upload acts (an acquirer's CreateUpload, AbandonUpload of random
 * ids) were still recorded one by one, about 4,400 a minute from one thread.
 */
class ActRefusalBudgetTest extends OneServerPerMethod {
  private static final int ACTS = 300;

  /** A refused act of one of bob's (an acquirer), its audit action, and the result of its refusal. */
  enum Act {
    REDEEM("grant.redeem", "not-found", (bob, s) -> bob.redeem(RedeemRequest.newBuilder().setToken("sdg_" + s).build())),
    DOWNLOAD("download.abort", "not-found", (bob, s) -> bob.download(DownloadRequest.newBuilder().setClaimId("sdc_" + s)
        .build()).hasNext()),
    CREATE_UPLOAD("upload.start", "role-forbidden", (bob, s) -> bob.createUpload(CreateUploadRequest.newBuilder()
        .build())),
    ABANDON_UPLOAD("upload.abandon", "role-forbidden", (bob, s) -> bob.abandonUpload(AbandonUploadRequest.newBuilder()
        .setUploadId("up_" + "0".repeat(32)).build())); // (one id: sums past 100 objects name no door)

    final String action;
    final String result;
    final BiConsumer<TransferServiceGrpc.TransferServiceBlockingStub, String> call;

    Act(String action, String result, BiConsumer<TransferServiceGrpc.TransferServiceBlockingStub, String> call) {
      this.action = action;
      this.result = result;
      this.call = call;
    }
  }

  @ParameterizedTest
  @EnumSource(Act.class)
  void aFloodOfRefusedActsIsAuditedUpToTheBudgetAndEveryOneIsCounted(Act act) throws Exception {
    TransferServiceGrpc.TransferServiceBlockingStub bob = clients.transfer("bob");
    java.util.Random random = new java.util.Random(38);
    List<String> logged;
    try (CapturedLog serverLog = CapturedLog.ofRoot()) {
      for (int i = 0; i < ACTS; i++) {
        byte[] guess = new byte[32];
        random.nextBytes(guess);
        String secret = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(guess);
        assertThatThrownBy(() -> act.call.accept(bob, secret)).isInstanceOf(StatusRuntimeException.class);
      }
      logged = serverLog.messages().stream().filter(l -> l.contains("'bob'")).toList();
    }
    List<Audit.Entry> tail = server.server().audit().tail(3 * ACTS);
    long recorded = tail.stream().filter(r -> r.action().equals(act.action) && r.actor().equals("bob")).count();
    // one record per refusal, under the act's own name (round AU: a refused AbandonUpload was a call.refuse too)
    assertThat(tail).noneMatch(r -> r.action().equals("call.refuse"));
    // the budget of a minute, and at most once more if the minute turned during the acts
    assertThat(recorded).isGreaterThanOrEqualTo(RefusalThrottle.DEFAULT_PER_MINUTE).isLessThan(ACTS);
    // the server log too: one line per refusal recorded one by one, none for the rest (round AU: a refused redeem
    // was a second, unthrottled line, so a script of random tokens wrote one line per guess)
    assertThat(logged).hasSize((int) recorded).allSatisfy(l -> assertThat(l).startsWith("refused: " + act.action
        + " by 'bob'"));

    clients.close();
    server.close();
    server.start();
    clients = server.clients();
    List<Audit.Entry> log = server.server().audit().tail(3 * ACTS);
    List<Audit.Entry> sums = log.stream().filter(r -> r.action().equals(act.action) && r.actor().equals("bob")
        && r.result().equals(RefusalThrottle.RATE_LIMITED)).toList();
    assertThat(sums).isNotEmpty().allSatisfy(r -> assertThat(r.details())
        .containsEntry("first-result", act.result).containsEntry(Audit.DOOR, "grpc"));
    long summed = sums.stream().mapToLong(r -> Long.parseLong(r.details().get("suppressed"))).sum();
    assertThat(recorded + summed).as("every refusal recorded or counted").isEqualTo(ACTS);
  }
}
