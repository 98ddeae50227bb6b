package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.PausingClock;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Round AE: an act checked the lockdown and its caller's and recipient's standing at its start, and wrote its effect
 * later. An admin's lockdown or revocation that returned in between did not stop it: a grant was created, and a redeem
 * won, after {@code SetLockdown(on)} had returned; a grant was created by (or for) an identity after its revocation had
 * returned and ended its grants, and stayed ACTIVE. Each test holds the act at the clock reading between its checks and
 * its write ({@link PausingClock}), runs the admin's act to its end, then lets the act go on.
 */
class AdminActRaceTest extends OneServerPerMethod {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  private final PausingClock clock = new PausingClock();

  @Override
  protected ServerConfig configure(ServerConfig config) {
    return config.withClock(clock);
  }

  private String uploaded() {
    Users.publish(clients, server.pki, "alice");
    return Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(1000, 61), "bob").bytes())
        .getFileId();
  }

  /** Starts {@code act}, waits until the clock holds it, runs {@code admin}, then lets the act go on; its outcome. */
  private <T> CompletableFuture<T> heldWhile(Supplier<T> act, Runnable admin) throws InterruptedException {
    CompletableFuture<T> running = CompletableFuture.supplyAsync(act, threads);
    clock.awaitPaused();
    try {
      admin.run();
    } finally {
      clock.resume();
    }
    return running;
  }

  private static void await(CompletableFuture<?> f, Status.Code code, String reason) {
    Statuses.refused(() -> {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw e.getCause();
      }
    }, code, reason);
  }

  private void lockdown() {
    assertThat(admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("race")
        .build()).getOn()).isTrue();
  }

  private java.util.List<dev.sealdrop.protocol.v1.AdminGrant> grantsOf(String owner) {
    return admins.admin("carol").listAllGrants(ListAllGrantsRequest.newBuilder().setOwner(owner).build())
        .getGrantsList();
  }

  private CreateGrantRequest grantRequest(String fileId) {
    return CreateGrantRequest.newBuilder().setFileId(fileId).setRecipient("bob").build();
  }

  @Test
  void aGrantWhoseChecksPassedBeforeALockdownIsNotCreatedAfterIt() throws Exception {
    String fileId = uploaded();
    clock.pauseIn("GrantService.doCreate", "GrantService.doCreate");
    CompletableFuture<CreateGrantResponse> create = heldWhile(
        () -> clients.transfer("alice").createGrant(grantRequest(fileId)), this::lockdown);
    await(create, Status.Code.UNAVAILABLE, "LOCKED_DOWN");
    assertThat(grantsOf("alice")).as("no grant written after the lockdown returned").isEmpty();
    assertThat(server.server().audit().tail(5)).filteredOn(e -> e.action().equals("grant.create")).singleElement()
        .satisfies(e -> assertThat(e.result()).isEqualTo("locked-down"));
  }

  @Test
  void aRedeemWhoseChecksPassedBeforeALockdownDoesNotClaimAfterIt() throws Exception {
    String fileId = uploaded();
    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    clock.pauseIn("GrantService.settle", "GrantService.doRedeem");
    CompletableFuture<?> redeem = heldWhile(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder()
        .setToken(grant.getToken()).build()), this::lockdown);
    await(redeem, Status.Code.UNAVAILABLE, "LOCKED_DOWN");
    assertThat(grantsOf("alice")).singleElement().satisfies(g -> assertThat(g.getState())
        .as("not claimed after the lockdown returned").isEqualTo(GrantState.GRANT_STATE_ACTIVE));
  }

  /** Round AH: nothing showed that an upload's start, checked before a lockdown, is not written after it. */
  @Test
  void anUploadWhoseStartPassedItsChecksBeforeALockdownIsNotStartedAfterIt() throws Exception {
    Users.publish(clients, server.pki, "alice");
    clock.pauseIn("UploadService.doCreate", "UploadService.doCreate");
    CompletableFuture<?> start = heldWhile(() -> clients.transfer("alice").createUpload(
        dev.sealdrop.protocol.v1.CreateUploadRequest.newBuilder().setExpectedSize(1000).build()), this::lockdown);
    await(start, Status.Code.UNAVAILABLE, "LOCKED_DOWN");
    assertThat(server.server().audit().tail(5)).filteredOn(e -> e.action().equals("upload.start")).singleElement()
        .satisfies(e -> assertThat(e.result()).isEqualTo("locked-down"));
  }

  /** Round AH: nothing showed that an upload's commit, checked before a lockdown, is not written after it. */
  @Test
  void anUploadWhoseCommitPassedItsChecksBeforeALockdownIsNotCommittedAfterIt() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] sealed = Users.seal("alice", Users.randomBytes(1000, 64), "bob").bytes();
    // held in the last identity check before the commit, after finish()'s lockdown check
    clock.pauseIn("IdentityService.check", "UploadSession.commit");
    CompletableFuture<?> upload = heldWhile(() -> Transfers.upload(clients, "alice", sealed), this::lockdown);
    await(upload, Status.Code.UNAVAILABLE, "LOCKED_DOWN");
    assertThat(admins.admin("carol").listAllFiles(dev.sealdrop.protocol.v1.ListAllFilesRequest.newBuilder()
        .setOwner("alice").build()).getFilesList()).as("no file committed after the lockdown returned").isEmpty();
  }

  /**
   * Round AE: a confirm whose claim an admin's purge deleted between its checks and its write was INTERNAL; round CU:
   * then "purged meanwhile; ask the sender to send it again", though the purge had counted that download (served every
   * byte): it is told it counted, as a confirm after the purge is.
   */
  @Test
  void aConfirmWhoseFileIsPurgedMeanwhileIsToldSo() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] sealed = Users.seal("alice", Users.randomBytes(1000, 62), "bob").bytes();
    dev.sealdrop.protocol.v1.UploadResponse file = Transfers.upload(clients, "alice", sealed);
    CreateGrantResponse grant = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    dev.sealdrop.protocol.v1.RedeemResponse claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder()
        .setToken(grant.getToken()).build());
    assertThat(Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0)).isEqualTo(sealed);
    clock.pauseIn("GrantService.doConfirm", "GrantService.doConfirm");
    CompletableFuture<?> confirm = heldWhile(() -> clients.transfer("bob").confirmDownload(
        dev.sealdrop.protocol.v1.ConfirmDownloadRequest.newBuilder().setClaimId(claim.getClaimId())
            .setFingerprint(file.getFingerprint()).build()),
        () -> admins.admin("carol").purgeFile(dev.sealdrop.protocol.v1.PurgeFileRequest.newBuilder()
            .setFileId(file.getFileId()).setReason("race").build()));
    await(confirm, Status.Code.FAILED_PRECONDITION, "GRANT_CONSUMED");
  }

  @Test
  void aGrantWhoseOwnerIsRevokedMeanwhileIsNotCreated() throws Exception {
    String fileId = uploaded();
    clock.pauseIn("GrantService.doCreate", "GrantService.doCreate");
    CompletableFuture<CreateGrantResponse> create = heldWhile(
        () -> clients.transfer("alice").createGrant(grantRequest(fileId)),
        () -> admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice")
            .setReason("race").build()));
    await(create, Status.Code.UNAUTHENTICATED, null); // (its connection is closed by the revocation, or refused)
    assertThat(grantsOf("alice")).as("no grant outlives its owner's revocation").isEmpty();
    assertThat(server.server().audit().tail(8)).filteredOn(e -> e.action().equals("grant.create")).singleElement()
        .satisfies(e -> assertThat(e.result()).isNotEqualTo("ok"));
  }

  private void disable(String name) {
    admins.admin("carol").disableIdentity(dev.sealdrop.protocol.v1.DisableIdentityRequest.newBuilder()
        .setIdentity(name).setReason("race").build());
  }

  /** Round AH: the claim was written after the recipient's disable had returned (no identity condition in it). */
  @Test
  void aRedeemWhoseRecipientIsDisabledMeanwhileDoesNotClaim() throws Exception {
    String fileId = uploaded();
    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    clock.pauseIn("GrantService.settle", "GrantService.doRedeem");
    CompletableFuture<?> redeem = heldWhile(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder()
        .setToken(grant.getToken()).build()), () -> disable("bob"));
    await(redeem, Status.Code.UNAUTHENTICATED, null); // (its connection is closed by the disable, or refused)
    assertThat(awaitRecord("grant.redeem").result()).isEqualTo("identity-disabled");
    assertThat(grantsOf("alice")).singleElement().satisfies(g -> assertThat(g.getState())
        .as("not claimed after the recipient's disable returned").isEqualTo(GrantState.GRANT_STATE_ACTIVE));
  }

  /**
   * The newest record of {@code action}, once the server wrote it: a client cut by the admin's act may see its call
   * fail before the server's thread, let go, has finished it.
   */
  private dev.sealdrop.server.core.audit.Audit.Entry awaitRecord(String action) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      java.util.List<dev.sealdrop.server.core.audit.Audit.Entry> found = server.server().audit().tail(10).stream()
          .filter(e -> e.action().equals(action)).toList();
      if (!found.isEmpty()) {
        return found.get(found.size() - 1);
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + action + " record in 20 s");
  }

  /** Round AH: the file was committed after its owner's disable had returned (no identity condition in the write). */
  @Test
  void anUploadWhoseOwnerIsDisabledMeanwhileIsNotCommitted() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] sealed = Users.seal("alice", Users.randomBytes(1000, 63), "bob").bytes();
    clock.pauseIn("UploadSession.writeCommitted", "UploadSession.finish");
    CompletableFuture<?> upload = heldWhile(() -> Transfers.upload(clients, "alice", sealed), () -> disable("alice"));
    await(upload, Status.Code.UNAUTHENTICATED, null); // (its connection is closed by the disable, or refused)
    assertThat(admins.admin("carol").listAllFiles(dev.sealdrop.protocol.v1.ListAllFilesRequest.newBuilder()
        .setOwner("alice").build()).getFilesList()).as("no file committed after its owner's disable returned")
        .isEmpty();
    awaitRecord("upload.abort");
    assertThat(server.server().audit().tail(10)).filteredOn(e -> e.action().matches("upload\\.(commit|abort)"))
        .singleElement().satisfies(e -> {
          assertThat(e.action()).isEqualTo("upload.abort");
          assertThat(e.result()).isEqualTo("identity-disabled");
        });
    try (java.util.stream.Stream<java.nio.file.Path> blobs = java.nio.file.Files.list(data.resolve("blobs"))) {
      assertThat(blobs).as("the refused upload's data is deleted").isEmpty();
    }
  }

  @Test
  void aGrantWhoseRecipientIsRevokedMeanwhileIsNotCreated() throws Exception {
    String fileId = uploaded();
    clock.pauseIn("GrantService.doCreate", "GrantService.doCreate");
    CompletableFuture<CreateGrantResponse> create = heldWhile(
        () -> clients.transfer("alice").createGrant(grantRequest(fileId)),
        () -> admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("bob")
            .setReason("race").build()));
    await(create, Status.Code.NOT_FOUND, "NOT_FOUND");
    assertThat(grantsOf("alice")).as("no grant for a recipient revoked before it was written").isEmpty();
  }

  private void revokeCertificate(String name) {
    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity(name)
        .setCertificateSerial(server.pki.certificate(name).getSerialNumber().toString(16)).setReason("race").build());
  }

  /** Round AJ: a claim was written after the recipient's certificate (only it) had been revoked. */
  @Test
  void aRedeemWhoseCertificateIsRevokedMeanwhileDoesNotClaim() throws Exception {
    String fileId = uploaded();
    CreateGrantResponse grant = Transfers.grant(clients, "alice", fileId, "bob");
    clock.pauseIn("GrantService.settle", "GrantService.doRedeem");
    CompletableFuture<?> redeem = heldWhile(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder()
        .setToken(grant.getToken()).build()), () -> revokeCertificate("bob"));
    await(redeem, Status.Code.UNAUTHENTICATED, null); // (its connection is closed by the revocation, or refused)
    assertThat(awaitRecord("grant.redeem").result()).isEqualTo("certificate-revoked");
    assertThat(grantsOf("alice")).singleElement().satisfies(g -> assertThat(g.getState())
        .as("not claimed after the recipient's certificate was revoked").isEqualTo(GrantState.GRANT_STATE_ACTIVE));
  }

  /** Round AJ: a file was committed after the certificate it was uploaded with (only it) had been revoked. */
  @Test
  void anUploadWhoseCertificateIsRevokedMeanwhileIsNotCommitted() throws Exception {
    Users.publish(clients, server.pki, "alice");
    byte[] sealed = Users.seal("alice", Users.randomBytes(1000, 64), "bob").bytes();
    clock.pauseIn("UploadSession.writeCommitted", "UploadSession.finish");
    CompletableFuture<?> upload = heldWhile(() -> Transfers.upload(clients, "alice", sealed),
        () -> revokeCertificate("alice"));
    await(upload, Status.Code.UNAUTHENTICATED, null); // (its connection is closed by the revocation, or refused)
    assertThat(admins.admin("carol").listAllFiles(dev.sealdrop.protocol.v1.ListAllFilesRequest.newBuilder()
        .setOwner("alice").build()).getFilesList()).as("no file committed after its certificate's revocation")
        .isEmpty();
    assertThat(awaitRecord("upload.abort").result()).isEqualTo("certificate-revoked");
  }
}
