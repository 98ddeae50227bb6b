package dev.sealdrop.server.core.grant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Review RC: an act that lands while a download's last chunk is between its checks and the mark that records every byte
 * as served (the chunk being read from disk). The gRPC door closed the call before the download's own monitor was
 * free, so the chunk, recorded as served, was dropped on the closed call: the client had nothing, yet its claim counted
 * when it lapsed (a one-time grant used up during a lockdown, the file never delivered), and the audit log said
 * {@code download.complete}. A recipient disabled in that instant was handed the last bytes after the disable.
 */
class LastChunkMarkRacesTest extends OneServerPerMethod {
  /** Alice's small file (one chunk) granted to bob and redeemed by him: the claim id. */
  private record Redeemed(Users.Sealed sealed, CreateGrantResponse grant, String claim) {}

  private Redeemed redeemed() {
    Users.publish(clients, server.pki, "alice");
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(64 << 10, 41), "bob");
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    return new Redeemed(sealed, g, claim);
  }

  /**
   * Runs {@code act} on another thread when the download's chunk looks up its grant (after the lockdown's check,
   * before the read and the mark), and lets the chunk go on once {@code landed} holds and a moment more, in which the
   * act's closing of the call (the old order) is made.
   */
  private void actDuringTheLastChunksChecks(Runnable act, BooleanSupplier landed) throws ReflectiveOperationException {
    AtomicBoolean fired = new AtomicBoolean();
    beforeRepositoryCalls(method -> {
      if (method.equals("find") && inDownloadChunk() && fired.compareAndSet(false, true)) {
        CompletableFuture.runAsync(act);
        await(landed, "the act landed");
        Thread.sleep(500); // the act goes on to close the call
      }
    });
  }

  /** What the test runs before a call of the grant service's repository, by the method's name. */
  private interface Before {
    void run(String method) throws Exception;
  }

  private void beforeRepositoryCalls(Before before) throws ReflectiveOperationException {
    GrantService service = server.server().grants();
    java.lang.reflect.Field repository = GrantService.class.getDeclaredField("grants");
    repository.setAccessible(true);
    GrantRepository real = (GrantRepository) repository.get(service);
    repository.set(service, Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {GrantRepository.class},
        (proxy, method, args) -> {
          before.run(method.getName());
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        }));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 20 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  /** Whether a thread waits to end a download's call that an act is closing (for the download's monitor). */
  private static boolean anActWaitsForTheDownload() {
    return Thread.getAllStackTraces().entrySet().stream().anyMatch(t -> t.getKey().getState() == Thread.State.BLOCKED
        && java.util.Arrays.stream(t.getValue()).anyMatch(f -> f.getMethodName().equals("forceClose")));
  }

  private static boolean inDownloadChunk() {
    return StackWalker.getInstance().walk(frames -> frames.anyMatch(f -> f.getClassName().equals(
        DownloadSession.class.getName()) && f.getMethodName().equals("next")));
  }

  private List<AuditEntry> downloadRecords() {
    return admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(200).build()).getEntriesList()
        .stream().filter(e -> e.getAction().startsWith("download.")).toList();
  }

  private Claim claimOf(Redeemed r) {
    return server.server().grants().grants.findClaim(Secrets.hash(r.claim())).orElseThrow();
  }

  private StatusRuntimeException downloadRefused(Redeemed r, List<byte[]> received) {
    Iterator<DownloadResponse> it = clients.transfer("bob").withDeadlineAfter(60, TimeUnit.SECONDS)
        .download(DownloadRequest.newBuilder().setClaimId(r.claim()).build());
    return catchThrowableOfType(StatusRuntimeException.class, () -> it.forEachRemaining(m -> received.add(
        m.getData().toByteArray())));
  }

  @Test
  void aLockdownBeforeTheLastChunksMarkHoldsItsBytesBackAndNeverCountsTheClaim() throws Exception {
    Redeemed r = redeemed();
    admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
    CompletableFuture<dev.sealdrop.protocol.v1.LockdownState> answer = new CompletableFuture<>();
    actDuringTheLastChunksChecks(() -> answer.complete(admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder()
        .setOn(true).setReason("breach").build())), server::lockedDown);

    List<byte[]> received = new java.util.ArrayList<>();
    StatusRuntimeException cut = downloadRefused(r, received);

    assertThat(cut).as("the download is cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(cut.getTrailers().get(Statuses.REASON)).isEqualTo("LOCKED_DOWN");
    assertThat(received).as("no byte handed out after the lockdown").isEmpty();
    assertThat(answer.get(20, TimeUnit.SECONDS).getTransfersCut()).as("the lockdown's answer counts it as cut")
        .isEqualTo(1);
    awaitNoDownloadRunning(); // its end is recorded after its last chunk: the status may reach the client first
    assertThat(claimOf(r).servedAllAt()).as("the claim is not recorded as served").isNull();
    assertThat(downloadRecords()).extracting(AuditEntry::getAction, AuditEntry::getResult)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("download.abort", "locked-down"));

    // the claim's window ends during the lockdown: the grant is given back, not used up (admin.md)
    server.clock.advance(Duration.ofHours(2));
    server.server().grants().settleClaims();
    Grant grant = server.server().grants().grants.find(r.grant().getGrant().getGrantId()).orElseThrow();
    assertThat(grant.state()).isEqualTo(GrantState.ACTIVE);
    assertThat(grant.downloadsUsed()).isZero();
  }

  /**
   * Review RD: a lockdown that waited for the last chunk's mark (the mark holds the switch back) closes the call once
   * that chunk is sent: the download is delivered whole and ends as such, not told LOCKED_DOWN and counted as cut.
   */
  @Test
  void aLockdownThatWaitedForTheLastChunksMarkLetsTheDownloadEndWhole() throws Exception {
    Redeemed r = redeemed();
    admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
    CompletableFuture<dev.sealdrop.protocol.v1.LockdownState> answer = new CompletableFuture<>();
    AtomicBoolean marking = new AtomicBoolean();
    beforeRepositoryCalls(method -> {
      if (method.equals("markServedAll") && marking.compareAndSet(false, true)) {
        // within the switch: the lockdown begins and waits for this mark
        CompletableFuture.runAsync(() -> answer.complete(admins.admin("carol").setLockdown(SetLockdownRequest
            .newBuilder().setOn(true).setReason("breach").build())));
        await(server::lockedDown, "the lockdown began");
        Thread.sleep(200);
      } else if (method.equals("markServing") && marking.get()) {
        // the mark landed and the switch went on: the act is closing the call before the chunk is sent
        await(LastChunkMarkRacesTest::anActWaitsForTheDownload, "the act waits to close the call");
      }
    });

    byte[] received = Transfers.download(clients.transfer("bob"), r.claim(), 0);

    assertThat(received).as("delivered whole, and the stream ended OK").isEqualTo(r.sealed().bytes());
    assertThat(answer.get(20, TimeUnit.SECONDS).getTransfersCut()).as("not counted as cut").isZero();
    awaitNoDownloadRunning();
    assertThat(downloadRecords()).extracting(AuditEntry::getAction).containsExactly("download.complete");
  }

  /**
   * Review RG: the mark is made by the chunk that ends the ciphertext; the last 80 bytes (the final tag and the
   * signature) may be a message of their own. A lockdown that came after the mark refused them: the download counted
   * and the client could not open the file. They go out, and the stream ends OK.
   */
  @Test
  void theTagAndSignatureAfterTheMarkGoOutThoughALockdownCameBetween() throws Exception {
    Users.publish(clients, server.pki, "alice");
    int chunk = 1024 * 1024; // the gRPC door's message (DownloadCall.CHUNK)
    int plain = chunk - 1000;
    Users.Sealed sealed = Users.seal("alice", Users.randomBytes(plain, 42), "bob");
    plain += chunk + 40 - sealed.bytes().length; // the envelope 40 bytes past a message of its own
    sealed = Users.seal("alice", Users.randomBytes(plain, 42), "bob");
    assertThat(sealed.bytes().length).isEqualTo(chunk + 40);
    UploadResponse file = Transfers.upload(clients, "alice", sealed.bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
    CompletableFuture<dev.sealdrop.protocol.v1.LockdownState> answer = new CompletableFuture<>();
    AtomicBoolean marking = new AtomicBoolean();
    beforeRepositoryCalls(method -> {
      if (method.equals("markServing") && marking.compareAndSet(false, true)) {
        // the first message marked the download served: the lockdown comes now, before its bytes are sent
        CompletableFuture.runAsync(() -> answer.complete(admins.admin("carol").setLockdown(SetLockdownRequest
            .newBuilder().setOn(true).setReason("breach").build())));
        await(LastChunkMarkRacesTest::anActWaitsForTheDownload, "the act waits to close the call");
      }
    });

    byte[] received = Transfers.download(clients.transfer("bob"), claim, 0);

    assertThat(received).as("delivered whole, and the stream ended OK").isEqualTo(sealed.bytes());
    assertThat(answer.get(20, TimeUnit.SECONDS).getTransfersCut()).as("not counted as cut").isZero();
  }

  @Test
  void aRecipientDisabledBeforeTheLastChunksMarkIsNotHandedItsBytes() throws Exception {
    Redeemed r = redeemed();
    admins.admin("carol").getLockdown(dev.sealdrop.protocol.v1.GetLockdownRequest.getDefaultInstance());
    actDuringTheLastChunksChecks(() -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
        .setIdentity("bob").setReason("left the deal").build()),
        () -> !server.server().identities().find("bob").orElseThrow().enabled());

    List<byte[]> received = new java.util.ArrayList<>();
    StatusRuntimeException cut = downloadRefused(r, received);

    assertThat(cut).as("the download is cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(cut.getTrailers().get(Statuses.REASON)).isEqualTo("IDENTITY_DISABLED");
    assertThat(received).as("no byte handed out after the disable").isEmpty();
    awaitNoDownloadRunning(); // its end is recorded after its last chunk: the status may reach the client first
    assertThat(claimOf(r).servedAllAt()).as("the claim is not recorded as served").isNull();
    assertThat(downloadRecords()).extracting(AuditEntry::getAction).containsExactly("download.abort");

    // enabled again, bob downloads the file whole on the same claim
    admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("bob").build());
    assertThat(Transfers.download(clients.transfer("bob"), r.claim(), 0)).isEqualTo(r.sealed().bytes());
  }

  private void awaitNoDownloadRunning() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (downloadRecords().isEmpty()) {
      assertThat(System.nanoTime()).as("the download's end was recorded within 20 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
