package dev.sealdrop.server.core.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.grant.GrantRepository;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round CU: acts racing a file's removal, each put in its instant by a repository that runs the other act first.
 */
class RemovalRacesTest {
  @TempDir
  Path data;

  /**
   * A download served every byte, confirmed by its recipient between the removal's look at the delivered claims and its
   * delete, was recorded twice as consumed (the recipient's {@code grant.consume}, then the server's {@code
   * delivered-before-purge}): an auditor counting deliveries counted two.
   */
  @Test
  void aConfirmBetweenTheLookAndTheDeleteIsRecordedOnce() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients();
        AdminClients admins = new AdminClients(server)) {
      Served s = served(server, clients);
      FileRemoval real = (FileRemoval) field(server.server().adminOperations(), "removal");
      AdminRepository repository = (AdminRepository) field(real, "repository");
      AdminRepository confirmingFirst = intercepting(AdminRepository.class, repository, (method, args) -> {
        if (method.getName().equals("deleteFile")) {
          s.confirm(clients);
        }
      });
      FileRemoval racing = new FileRemoval(confirmingFirst, (dev.sealdrop.server.core.grant.GrantService)
          field(real, "grants"), (dev.sealdrop.server.core.upload.BlobStore) field(real, "blobs"),
          (dev.sealdrop.server.core.identity.SessionRegistry) field(real, "sessions"),
          (dev.sealdrop.server.core.audit.Audit) field(real, "audit"),
          (dev.sealdrop.server.core.audit.RefusalThrottle) field(real, "refusals"), (java.time.Clock) field(real,
          "clock"));

      assertThat(racing.deleteOwn(alice(server), s.file().getFileId()).grantsDeleted()).isEqualTo(1);
      assertOneDeliveryRecordedByBob(admins);
    }
  }

  /**
   * The same confirm, landing inside the look itself: after the look listed the claim as open and served every byte,
   * and before it read that claim's grant. The grant it read already counted the download, as the delete then found
   * it, so the comparison of downloads used took the delivery for one nobody had recorded: two grant.consume records.
   */
  @Test
  void aConfirmBetweenTheLooksClaimAndItsGrantIsRecordedOnce() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients();
        AdminClients admins = new AdminClients(server)) {
      Served s = served(server, clients);
      FileRemoval removal = (FileRemoval) field(server.server().adminOperations(), "removal");
      Thread remover = Thread.currentThread();
      java.util.concurrent.atomic.AtomicBoolean listed = new java.util.concurrent.atomic.AtomicBoolean();
      interceptGrants(removal, (method, args) -> {
        if (Thread.currentThread() == remover) {
          if (method.getName().equals("listServedOpenClaimsOfFile")) {
            listed.set(true);
          } else if (method.getName().equals("find") && listed.getAndSet(false)) {
            s.confirm(clients);
          }
        }
      });

      assertThat(removal.deleteOwn(alice(server), s.file().getFileId()).grantsDeleted()).isEqualTo(1);
      assertOneDeliveryRecordedByBob(admins);
    }
  }

  /**
   * A redeem again (same redeem key) whose grant's file was deleted after the redeem found the grant: it was told
   * GRANT_CLAIMED, and the CLI kept its key and told its user to wait out the claim window of a grant that was gone.
   */
  @Test
  void aRedeemAgainWhoseFileIsDeletedMeanwhileIsToldTheFileWasDeleted() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      UploadResponse f = Transfers.upload(clients, "alice", Users.seal("alice", new byte[1000], "bob").bytes());
      CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
      String key = "sdr_" + "R".repeat(43);
      clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).setRedeemKey(key).build());

      FileRemoval removal = (FileRemoval) field(server.server().adminOperations(), "removal");
      interceptGrants(removal, (method, args) -> {
        if (method.getName().equals("claimAgain")) {
          removal.deleteOwn(alice(server), f.getFileId());
        }
      });

      var e = dev.sealdrop.server.testing.Statuses.refused(() -> clients.transfer("bob").redeem(RedeemRequest
          .newBuilder().setToken(g.getToken()).setRedeemKey(key).build()), io.grpc.Status.Code.FAILED_PRECONDITION,
          "FILE_PURGED");
      assertThat(e.getStatus().getDescription()).startsWith("the grant's file was deleted from the server by its"
          + " sender at ");
    }
  }

  /** Alice's file granted to bob, redeemed and downloaded whole: served every byte, not yet confirmed. */
  private record Served(UploadResponse file, CreateGrantResponse grant, String claim) {
    void confirm(Clients clients) {
      clients.transfer("bob").confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claim)
          .setFingerprint(grant.getGrant().getFingerprint()).build());
    }
  }

  private static Served served(TestServer server, Clients clients) {
    Users.publish(clients, server.pki, "alice");
    UploadResponse f = Transfers.upload(clients, "alice", Users.seal("alice", new byte[1000], "bob").bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", f.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    Transfers.download(clients.transfer("bob"), claim, 0);
    return new Served(f, g, claim);
  }

  private static Principal alice(TestServer server) {
    return new Principal("alice", Role.TRANSFEROR, server.pki.certificate("alice"), Origin.grpc("127.0.0.1:1"));
  }

  private static void assertOneDeliveryRecordedByBob(AdminClients admins) {
    List<AuditEntry> tail = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(30).build())
        .getEntriesList();
    assertThat(tail).filteredOn(e -> e.getAction().equals("grant.consume")).as("one delivery, one record")
        .singleElement().satisfies(e -> assertThat(e.getActor()).isEqualTo("bob"));
  }

  /**
   * Review RK: an admin's revoke whose grant's file was purged right after the revoke's write (another admin's purge;
   * a sender's delete takes no admin lock at all) was told "purged meanwhile" and recorded as refused, though it took
   * effect. It answers the grant as it revoked it, and is recorded as done.
   */
  @Test
  void aRevokeWhoseFileIsPurgedRightAfterItsWriteIsTheRevokeItWas() throws Exception {
    try (TestServer server = new TestServer(data); Clients clients = server.clients();
        AdminClients admins = new AdminClients(server)) {
      Users.publish(clients, server.pki, "alice");
      String fileId = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(1000, 87), "bob")
          .bytes()).getFileId();
      String grantId = Transfers.grant(clients, "alice", fileId, "bob").getGrant().getGrantId();
      FileRemoval removal = (FileRemoval) field(server.server().adminOperations(), "removal");
      dev.sealdrop.server.core.grant.GrantService service = (dev.sealdrop.server.core.grant.GrantService)
          field(removal, "grants");
      java.util.concurrent.atomic.AtomicBoolean revoked = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicBoolean purged = new java.util.concurrent.atomic.AtomicBoolean();
      interceptGrants(removal, (method, args) -> {
        if (method.getName().equals("revoke")) {
          revoked.set(true);
        } else if (method.getName().equals("find") && revoked.get() && purged.compareAndSet(false, true)) {
          admins.admin("carol").purgeFile(dev.sealdrop.protocol.v1.PurgeFileRequest.newBuilder().setFileId(fileId)
              .build());
        }
      });

      var r = service.revoke(new Principal("carol", Role.ADMIN, server.pki.certificate("carol"),
          Origin.grpc("127.0.0.1:1")), grantId);
      assertThat(purged).as("the purge ran between the revoke's write and its read").isTrue();
      assertThat(r.grant().state()).isEqualTo(dev.sealdrop.server.core.grant.GrantState.REVOKED);
      assertThat(r.already()).isFalse();
      assertThat(server.server().audit().tail(20)).filteredOn(e -> e.action().equals("grant.revoke")
          && e.object().equals("grant:" + grantId)).singleElement().satisfies(e -> assertThat(e.result())
          .isEqualTo("ok"));
      // review RN: recorded in the order they happened, so the grant's history ends with the purge that ended it
      assertThat(server.server().audit().tail(20)).filteredOn(e -> e.object().equals("grant:" + grantId))
          .extracting(e -> e.action()).containsSubsequence("grant.revoke", "grant.purge").last()
          .isEqualTo("grant.purge");
    }
  }

  /** What runs before a repository call the test intercepts. */
  private interface Before {
    void run(Method method, Object[] args) throws Exception;
  }

  /** {@code real} behind a proxy that runs {@code before} ahead of each call. */
  @SuppressWarnings("unchecked")
  private static <T> T intercepting(Class<T> type, T real, Before before) {
    return (T) Proxy.newProxyInstance(RemovalRacesTest.class.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          before.run(method, args);
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Puts {@link #intercepting} in front of the grant repository of the removal's grant service. */
  private static void interceptGrants(FileRemoval removal, Before before) throws ReflectiveOperationException {
    Object service = field(removal, "grants");
    Field repositoryField = service.getClass().getDeclaredField("grants");
    repositoryField.setAccessible(true);
    repositoryField.set(service, intercepting(GrantRepository.class, (GrantRepository) repositoryField.get(service),
        before));
  }

  private static Object field(Object owner, String name) throws ReflectiveOperationException {
    Field f = owner.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(owner);
  }
}
