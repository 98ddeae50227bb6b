package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.server.core.admin.AdminOperations;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;

/**
 * Review DT: admin acts that change something wait for an act that changes an identity's standing (so that a disabled
 * admin acts no more); the wait must not hold back the emergency switch, nor carry out an act its caller gave up. The
 * long act is stood for by the test holding the operations' standing lock, as an identity's revocation holds it while
 * it writes.
 */
class AdminActWaitTest extends OneServerPerMethod {
  private ReentrantReadWriteLock standing() throws Exception {
    java.lang.reflect.Field f = AdminOperations.class.getDeclaredField("standing");
    f.setAccessible(true);
    return (ReentrantReadWriteLock) f.get(server.server().adminOperations());
  }

  /** The records of {@code action}, once there is one (the act ends after its caller gave up). */
  private List<Audit.Entry> recordsOf(String action) throws Exception {
    List<Audit.Entry> records = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (records.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      records = server.server().audit().tail(50).stream().filter(r -> r.action().equals(action)).toList();
    }
    return records;
  }

  @Test
  void turningTheLockdownOnWaitsForNoOtherAct() throws Exception {
    ReentrantReadWriteLock standing = standing();
    admins.admin("carol").listIdentities(dev.sealdrop.protocol.v1.ListIdentitiesRequest.getDefaultInstance());
    standing.writeLock().lock();
    try {
      LockdownState s = admins.admin("carol").withDeadlineAfter(10, TimeUnit.SECONDS).setLockdown(SetLockdownRequest
          .newBuilder().setOn(true).setReason("a leak").build());
      assertThat(s.getOn()).isTrue();
      // lifting it waits, as every other act that changes something does
      refused(() -> admins.admin("carol").withDeadlineAfter(1, TimeUnit.SECONDS).setLockdown(SetLockdownRequest
          .newBuilder().setOn(false).build()), Status.Code.DEADLINE_EXCEEDED, null);
      Thread.sleep(500); // the server's deadline for the call ends a little after the client's
    } finally {
      standing.writeLock().unlock();
    }
    assertThat(recordsOf("lockdown.off")).singleElement().satisfies(r -> assertThat(r.result())
        .isEqualTo("server-busy"));
    assertThat(admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance())
        .getOn()).as("the lift its caller gave up was not carried out").isTrue();
  }

  @Test
  void anActWhoseCallerGaveUpWhileItWaitedIsNotCarriedOut() throws Exception {
    ReentrantReadWriteLock standing = standing();
    // connected first: the deadline below is the act's wait alone, not the handshake's
    admins.admin("carol").listIdentities(dev.sealdrop.protocol.v1.ListIdentitiesRequest.getDefaultInstance());
    standing.writeLock().lock();
    try {
      refused(() -> admins.admin("carol").withDeadlineAfter(1, TimeUnit.SECONDS).disableIdentity(
          DisableIdentityRequest.newBuilder().setIdentity("bob").setReason("left").build()),
          Status.Code.DEADLINE_EXCEEDED, null);
      Thread.sleep(500); // the server's deadline for the call ends a little after the client's
    } finally {
      standing.writeLock().unlock();
    }
    assertThat(recordsOf("admin.identity.disable")).singleElement().satisfies(r -> {
      assertThat(r.actor()).isEqualTo("carol");
      assertThat(r.result()).isEqualTo("server-busy");
    });
    assertThat(server.server().identities().find("bob").orElseThrow().enabled()).as("nothing was done").isTrue();
  }
}
