package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.WhoAmIRequest;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.CustomCerts;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.ManagedChannel;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;

/**
 * Round AU: the audit log records refused handshakes one by one only up to a budget a minute, but the server log had a
 * line for every handshake the trust manager refused. Anyone who can reach the port can make one a millisecond with a
 * certificate of their own (here: one signed with an enrolled user's client certificate), so the server log grew
 * without bound. A refusal is now a server-log line only if the audit log records it one by one.
 */
class HandshakeLogBudgetTest extends OneServerPerMethod {
  private static final int HANDSHAKES = RefusalThrottle.DEFAULT_PER_MINUTE + 30;

  @Test
  void refusedHandshakesAreLoggedOnlyWithinTheAuditBudget() throws Exception {
    CustomCerts.Issued forged = CustomCerts.issuedBy(server.pki.certificate("alice"), server.pki.privateKey("alice"),
        new X500Name("CN=mallory"), BigInteger.valueOf(7));
    List<String> logged;
    long t0 = System.nanoTime();
    try (CapturedLog serverLog = CapturedLog.ofRoot()) {
      for (int i = 0; i < HANDSHAKES; i++) {
        ManagedChannel channel = clients.channel(forged.privateKey(), forged.certificate(), server.pki.certificate("alice"));
        assertThat(catchThrowable(() -> SessionServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(20, TimeUnit.SECONDS).whoAmI(WhoAmIRequest.getDefaultInstance())))
            .as("the handshake is refused").isNotNull();
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      logged = serverLog.messages().stream().filter(l -> l.startsWith("TLS handshake refused")).toList();
    }
    long recorded = server.server().audit().tail(4 * HANDSHAKES).stream()
        .filter(r -> r.action().equals("connection.refuse") && r.actor().equals("CN=mallory")
            && !r.result().equals(RefusalThrottle.RATE_LIMITED)).count();
    // the throttle's minute starts with the server: a loop past it (a very busy machine) is given a second budget
    org.junit.jupiter.api.Assumptions.assumeTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(50),
        "the handshakes took longer than the throttle's first minute");
    // within one minute's budget (once more if the minute turned during the loop), and one line per record
    assertThat(recorded).isBetween(1L, (long) 2 * RefusalThrottle.DEFAULT_PER_MINUTE);
    assertThat(logged).hasSize((int) recorded).allSatisfy(l -> assertThat(l)
        .contains("for 'CN=mallory'", "is not a CA certificate that may sign it"));
    assertThat(HANDSHAKES).as("more handshakes were refused than recorded one by one").isGreaterThan((int) recorded);

    // the budget spent by others, a certificate the CA issued and the server refuses (revoked: a stolen laptop's) is
    // still named, once a minute (round BB: a flood made it vanish from both logs)
    admins.admin("carol").revokeIdentity(dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder()
        .setIdentity("bob").setReason("laptop lost").build());
    try (CapturedLog serverLog = CapturedLog.ofRoot()) {
      for (int i = 0; i < 3; i++) {
        ManagedChannel bob = clients.channel("bob");
        assertThat(catchThrowable(() -> SessionServiceGrpc.newBlockingStub(bob).withDeadlineAfter(20, TimeUnit.SECONDS)
            .whoAmI(WhoAmIRequest.getDefaultInstance()))).as("bob's handshake is refused").isNotNull();
        bob.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
      assertThat(serverLog.messages()).filteredOn(l -> l.startsWith("TLS handshake refused") && l.contains("'CN=bob'"))
          .singleElement().asString().contains("past the audit log's budget of refusals this minute");
    }
  }
}
