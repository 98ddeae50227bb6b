package dev.sealdrop.server.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Refused connections (anyone can make them, without a certificate) are audited one by one within a budget a minute;
 * the rest are counted per source and written as one summary each when the minute ends, so the audit log cannot be
 * filled by a flood of bad handshakes (outside test: 1.3 MB a minute from one client), and none goes uncounted.
 */
class RefusalThrottleTest {
  record Rec(String actor, String action, String object, String result, String peer, Map<String, String> details) {}

  final List<Rec> written = new ArrayList<>();
  final AtomicLong now = new AtomicLong(0);
  final Audit audit = (Audit) Proxy.newProxyInstance(Audit.class.getClassLoader(), new Class<?>[] {Audit.class},
      (proxy, method, args) -> {
        if (method.getName().equals("recordWithoutWaiting")) {
          @SuppressWarnings("unchecked")
          Map<String, String> d = (Map<String, String>) args[5];
          written.add(new Rec((String) args[0], (String) args[1], (String) args[2], (String) args[3],
              (String) args[4], d));
          return null;
        }
        throw new AssertionError("refusals are recorded without waiting, not with " + method.getName());
      });

  @Test
  void aFloodIsRecordedUpToTheBudgetThenSummedPerSourceWhenTheMinuteEnds() {
    RefusalThrottle t = new RefusalThrottle(audit, 3, now::get, false);
    for (int i = 0; i < 1000; i++) {
      boolean one = t.refused("-", "tls-handshake", i == 3 ? "no-client-certificate" : "handshake-failed",
          "192.0.2.7:" + (40000 + i), Map.of("why", "x"));
      assertThat(one).isEqualTo(i < 3);
    }
    t.refused("-", "listener:sftp", "not-authenticated", "[2001:db8::1]:5000", Map.of());
    // summed by listener too, which the sum keeps (outside test: it was dropped)
    for (String listener : new String[] {"transfer", "admin", "admin"}) {
      t.refused("-", "tls-handshake", "unknown-ca", "198.51.100.9:1", Map.of("listener", listener));
    }
    assertThat(written).hasSize(3).allSatisfy(r -> assertThat(r.action()).isEqualTo("connection.refuse"));
    t.flush(); // the minute has not ended: nothing yet
    assertThat(written).hasSize(3);

    now.addAndGet(60_000_000_000L);
    t.flush();
    assertThat(written.subList(3, written.size())).containsExactly(
        new Rec("-", "connection.refuse", "tls-handshake", "rate-limited", "192.0.2.7",
            Map.of("suppressed", "997", "first-result", "no-client-certificate")),
        new Rec("-", "connection.refuse", "listener:sftp", "rate-limited", "[2001:db8::1]",
            Map.of("suppressed", "1", "first-result", "not-authenticated")),
        new Rec("-", "connection.refuse", "tls-handshake", "rate-limited", "198.51.100.9",
            Map.of("listener", "transfer", "suppressed", "1", "first-result", "unknown-ca")),
        new Rec("-", "connection.refuse", "tls-handshake", "rate-limited", "198.51.100.9",
            Map.of("listener", "admin", "suppressed", "2", "first-result", "unknown-ca")));
    // a new minute, a new budget
    assertThat(t.refused("-", "tls-handshake", "handshake-failed", "192.0.2.7:1", Map.of())).isTrue();
  }

  final List<Rec> durable = new ArrayList<>();
  final Audit waiting = (Audit) Proxy.newProxyInstance(Audit.class.getClassLoader(), new Class<?>[] {Audit.class},
      (proxy, method, args) -> {
        if (method.getName().equals("record") && args.length == 6) {
          @SuppressWarnings("unchecked")
          Map<String, String> d = (Map<String, String>) args[5];
          durable.add(new Rec((String) args[0], (String) args[1], (String) args[2], (String) args[3],
              (String) args[4], d));
          return null;
        }
        throw new AssertionError("refused calls are recorded durably, not with " + method.getName());
      });

  /**
   * Refused calls of callers with a certificate (outside test: one acquirer's script wrote about 500 {@code
   * call.refuse} records a second): recorded durably within their own budget, the rest summed per action, actor,
   * object and source, so that the summary still says who was refused what, and how often.
   */
  @Test
  void refusedCallsAreRecordedDurablyUpToTheBudgetThenSummedPerActor() {
    RefusalThrottle t = new RefusalThrottle(waiting, 2, now::get, true);
    for (int i = 0; i < 500; i++) {
      assertThat(t.refusedCall("call.refuse", "bob", "rpc:ListFiles", "role-forbidden", "127.0.0.1:" + (5000 + i),
          Map.of("door", "grpc"))).isEqualTo(i < 2);
    }
    t.refusedCall("admin.refuse", "dave", "rpc:ListAudit", "role-forbidden", "127.0.0.1:7000", Map.of());
    assertThat(durable).hasSize(2).allSatisfy(r -> assertThat(r.actor()).isEqualTo("bob"));
    now.addAndGet(60_000_000_000L);
    t.flush();
    assertThat(durable.subList(2, durable.size())).containsExactly(
        new Rec("bob", "call.refuse", "rpc:ListFiles", "rate-limited", "127.0.0.1",
            Map.of("door", "grpc", "suppressed", "498", "first-result", "role-forbidden")),
        new Rec("dave", "admin.refuse", "rpc:ListAudit", "rate-limited", "127.0.0.1",
            Map.of("suppressed", "1", "first-result", "role-forbidden")));
    assertThat(written).as("nothing recorded without waiting").isEmpty();
  }

  /** At a shutdown the minute's sums are written at once, before the server's last record (outside test). */
  @Test
  void flushAllWritesTheSumsOfAMinuteThatHasNotEnded() {
    RefusalThrottle t = new RefusalThrottle(waiting, 1, now::get, true);
    for (int i = 0; i < 5; i++) {
      t.refusedCall("call.refuse", "bob", "rpc:ListFiles", "role-forbidden", "127.0.0.1:1", Map.of());
    }
    t.flush();
    assertThat(durable).hasSize(1);
    t.flushAll();
    assertThat(durable).hasSize(2).last().isEqualTo(new Rec("bob", "call.refuse", "rpc:ListFiles", "rate-limited",
        "127.0.0.1", Map.of("suppressed", "4", "first-result", "role-forbidden")));
  }

  @Test
  void manySourcesAreSummedApieceUpToALimitThenTogether() {
    RefusalThrottle t = new RefusalThrottle(audit, 0, now::get, false);
    for (int i = 0; i < RefusalThrottle.MAX_SOURCES + 50; i++) {
      t.refused("-", "tls-handshake", "handshake-failed", "10.0." + (i / 256) + "." + (i % 256) + ":1", Map.of());
    }
    now.addAndGet(60_000_000_000L);
    t.flush();
    assertThat(written).hasSize(RefusalThrottle.MAX_SOURCES + 1);
    assertThat(written.get(written.size() - 1)).satisfies(r -> {
      assertThat(r.peer()).isEqualTo("other");
      assertThat(r.details()).containsEntry("suppressed", "50");
    });
    assertThat(written.stream().mapToLong(r -> Long.parseLong(r.details().get("suppressed"))).sum())
        .as("every refusal counted").isEqualTo(RefusalThrottle.MAX_SOURCES + 50);
  }

  /**
   * Round V: past the sources' limit a caller's refusals were summed under actor "-": flooding from many addresses with
   * one account hid a refused redeem of another's grant by a second. Calls keep their actor in the overflow.
   */
  @Test
  void pastTheSourcesLimitARefusedCallStillNamesItsCaller() {
    RefusalThrottle t = new RefusalThrottle(waiting, 0, now::get, true);
    for (int i = 0; i < RefusalThrottle.MAX_SOURCES; i++) {
      t.refusedCall("grant.redeem", "mallory", "", "not-found", "10.0.0." + i + ":1", Map.of("door", "sftp"));
    }
    t.refusedCall("grant.redeem", "eve", "grant:g_1", "not-recipient", "10.0.1.1:1", Map.of("door", "sftp"));
    t.refusedCall("grant.redeem", "eve", "grant:g_2", "not-recipient", "10.0.1.2:1", Map.of("door", "sftp"));
    now.addAndGet(60_000_000_000L);
    t.flush();
    assertThat(durable).hasSize(RefusalThrottle.MAX_SOURCES + 1).last().isEqualTo(new Rec("eve", "grant.redeem", "",
        "rate-limited", "other", Map.of("suppressed", "2", "first-result", "not-recipient")));
  }
}
