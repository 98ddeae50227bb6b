package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A gRPC download whose client has stopped reading is cut at once by a lockdown or by disabling its caller: its slot
 * is free and its end audited with that cause then, not when the client reads again (found by an outside test: the
 * call's status waited behind the data the client had not taken, the slot stayed held, and the record came later,
 * as {@code interrupted}).
 */
class StalledStreamCutTest extends OneServerPerMethod {
  @Override
  protected ServerConfig configure(ServerConfig c) {
    // a share of one: bob's second download is refused while the first holds his slot
    return c.withGrants(c.grants().withMaxDownloadStreamsPerIdentity(1));
  }

  UploadResponse file;
  byte[] envelope;

  @BeforeEach
  void upload() {
    Users.publish(clients, server.pki, "alice");
    // 16 MiB: far more than the flow-control windows, so a stream nobody reads stays open
    envelope = Users.seal("alice", Users.randomBytes(16 << 20, 71), "bob").bytes();
    file = Transfers.upload(clients, "alice", envelope);
  }

  String claim() {
    String token = Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
    return clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(token).build()).getClaimId();
  }

  List<AuditEntry> downloadRecords() {
    return admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(500).build()).getEntriesList()
        .stream().filter(e -> e.getAction().startsWith("download.")).toList();
  }

  /** A grant of the file to bob, its claim, and bob's download of it that read one message and stopped. */
  record Stalled(CreateGrantResponse grant, String claim, Iterator<DownloadResponse> stream) {
    /** Reading the rest ends in FAILED_PRECONDITION with {@code reason}. */
    void assertEndsWith(String reason) {
      refused(() -> {
        while (stream.hasNext()) {
          stream.next();
        }
      }, Status.Code.FAILED_PRECONDITION, reason);
    }
  }

  Stalled stalledDownload(ManagedChannel ch) {
    var g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    Iterator<DownloadResponse> stream = dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(ch)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(stream.next().getData().size()).isPositive();
    return new Stalled(g, claim, stream);
  }

  /** Bob's download that read one message and stopped; the act cuts it; then the checks, without reading it. */
  void cutWhileStalled(Runnable act, Runnable undo, String result) throws Exception {
    cutWhileStalled(grant -> act.run(), undo, result);
  }

  /** The same, for an act on the stalled download's grant (given its id). */
  void cutWhileStalled(java.util.function.Consumer<String> act, Runnable undo, String result) throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try {
      Stalled st = stalledDownload(ch);
      var g = st.grant();
      String other = claim();
      refused(() -> Transfers.download(clients.transfer("bob"), other, 0), Status.Code.RESOURCE_EXHAUSTED,
          "TOO_MANY_DOWNLOADS");
      act.accept(g.getGrant().getGrantId());
      Supplier<List<AuditEntry>> aborts = () -> downloadRecords().stream()
          .filter(e -> e.getAction().equals("download.abort") && !e.getResult().equals("too-many-downloads")).toList();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (aborts.get().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(aborts.get()).as("the stalled download's end is audited at once, with the act's cause")
          .singleElement().satisfies(e -> assertThat(e.getResult()).isEqualTo(result));
      undo.run();
      // the slot is free although bob never read the rest of the stalled stream
      assertThat(Transfers.download(clients.transfer("bob"), other, 0)).isEqualTo(envelope);
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  void lockdown(boolean on) {
    admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(on).setReason(on ? "breach" : "clear")
        .build());
  }

  @Test
  void aLockdownCutsAStalledDownloadAtOnce() throws Exception {
    cutWhileStalled(() -> lockdown(true), () -> lockdown(false), "locked-down");
  }

  /** Round CP: only the server's log said how many transfers a lockdown cut; its answer says it, as a disable's does. */
  @Test
  void aLockdownSaysHowManyTransfersItCut() throws Exception {
    java.util.concurrent.atomic.AtomicReference<dev.sealdrop.protocol.v1.LockdownState> on =
        new java.util.concurrent.atomic.AtomicReference<>();
    cutWhileStalled(() -> on.set(admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(true)
        .setReason("breach").build())), () -> lockdown(false), "locked-down");
    assertThat(on.get().hasTransfersCut()).isTrue();
    assertThat(on.get().getTransfersCut()).as("the stalled download").isEqualTo(1);
    var again = admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("drill")
        .build());
    assertThat(again.getTransfersCut()).as("nothing running").isZero();
    var lifted = admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(false).build());
    assertThat(lifted.hasTransfersCut()).as("a lift cuts nothing and says nothing of it").isFalse();
  }

  @Test
  void disablingItsCallerCutsAStalledDownloadAtOnce() throws Exception {
    cutWhileStalled(
        () -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("bob").build()),
        () -> admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("bob").build()),
        "identity-disabled");
  }

  /** Bob's stalled download, cut by {@code act}: the result its download.abort record says. */
  String cutResultOfStalledDownload(Runnable act) throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try {
      stalledDownload(ch);
      act.run();
      Supplier<List<AuditEntry>> aborts = () -> downloadRecords().stream()
          .filter(e -> e.getAction().equals("download.abort")).toList();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (aborts.get().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      return aborts.get().stream().map(AuditEntry::getResult).reduce((a, b) -> a + "," + b).orElse("none");
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Round DA (outside test): a download cut by RevokeIdentity of its caller was recorded as certificate-revoked, where
   * the maintenance round records the same revocation as identity-revoked (docs/admin.md). One certificate's revocation
   * stays certificate-revoked.
   */
  @Test
  void revokingItsCallersIdentityCutsAStalledDownloadAsIdentityRevoked() throws Exception {
    ManagedChannel open = clients.channel("bob"); // a connection made before the revocation (a new one is refused)
    try {
      var inbox = dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(open);
      inbox.listInbox(dev.sealdrop.protocol.v1.ListInboxRequest.getDefaultInstance());
      assertThat(cutResultOfStalledDownload(() -> admins.admin("carol").revokeIdentity(
          dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder().setIdentity("bob").setReason("left").build())))
          .isEqualTo("identity-revoked");
      // and so is its next call's refusal, though its client is told CERTIFICATE_REVOKED as before
      refused(() -> inbox.listInbox(dev.sealdrop.protocol.v1.ListInboxRequest.getDefaultInstance()),
          Status.Code.UNAUTHENTICATED, "CERTIFICATE_REVOKED");
    } finally {
      open.shutdownNow();
      open.awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build()).getEntriesList())
        .filteredOn(e -> e.getAction().equals("call.refuse") && e.getActor().equals("bob")).last()
        .satisfies(e -> assertThat(e.getResult()).isEqualTo("identity-revoked"));
  }

  @Test
  void revokingItsCallersCertificateCutsAStalledDownloadAsCertificateRevoked() throws Exception {
    assertThat(cutResultOfStalledDownload(() -> admins.admin("carol").revokeIdentity(
        dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder().setIdentity("bob").setCertificateSerial(
            server.pki.certificate("bob").getSerialNumber().toString(16)).setReason("lost").build())))
        .isEqualTo("certificate-revoked");
  }

  /** Outside test: a revoke of the grant freed the paused client's slot only at the stall timeout (10 min). */
  @Test
  void revokingItsGrantCutsAStalledDownloadAtOnce() throws Exception {
    cutWhileStalled(grant -> admins.admin("carol").revokeAnyGrant(dev.sealdrop.protocol.v1.RevokeAnyGrantRequest
        .newBuilder().setGrantId(grant).build()), () -> { }, "grant-revoked");
  }

  /** The response counts the download of the sender's grant it stopped (bob's, not one of alice's sessions). */
  @Test
  void disablingItsSenderCutsAStalledDownloadAtOnce() throws Exception {
    var disabled = new java.util.concurrent.atomic.AtomicReference<dev.sealdrop.protocol.v1.DisableIdentityResponse>();
    cutWhileStalled(
        () -> disabled.set(admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
            .setIdentity("alice").build())),
        () -> admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("alice").build()),
        "grant-suspended");
    assertThat(disabled.get().getDownloadsCut()).isEqualTo(1);
    assertThat(disabled.get().getSessionsClosed()).as("alice had no call running").isZero();
  }

  /**
   * Round CK: a download read at full speed checks its grant at every chunk, and once the sender was disabled it ended
   * itself before the act closed it, so the answer said 0 downloads cut though one was. The downloads of the sender's
   * grants are counted as the disable takes effect, under the lock a download's end takes.
   */
  @Test
  void disablingItsSenderCountsADownloadReadAtFullSpeed() throws Exception {
    try {
      cutWhileReadAtFullSpeed(() -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder()
          .setIdentity("alice").build()).getDownloadsCut());
    } finally {
      admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("alice").build());
    }
  }

  /**
   * A disable whose database write fails changes nothing: no download of the sender's grants is cut (their recipients
   * were told the sender is disabled while it was not), and the attempt is audited as an error (it left no record).
   */
  @Test
  void aDisableThatFailsCutsNothingAndIsAudited() throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try (java.sql.Connection db = java.sql.DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        java.sql.Statement sql = db.createStatement()) {
      Stalled st = stalledDownload(ch);
      sql.execute("CREATE TRIGGER fail_identity_update BEFORE UPDATE ON identities"
          + " BEGIN SELECT RAISE(ABORT, 'disk failed'); END");
      refused(() -> admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("alice")
          .build()), Status.Code.INTERNAL, null);
      sql.execute("DROP TRIGGER fail_identity_update");
      assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build()).getEntriesList())
          .filteredOn(e -> e.getAction().equals("admin.identity.disable")).singleElement()
          .satisfies(e -> assertThat(e.getResult()).isEqualTo("error"));
      // the paused download was not cut: bob reads it to its end
      long n = 0;
      while (st.stream().hasNext()) {
        n += st.stream().next().getData().size();
      }
      assertThat(n).as("the rest of the file after the first message").isPositive();
      assertThat(downloadRecords()).noneMatch(e -> e.getAction().equals("download.abort"));
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The same race for a revocation of the sender (session 50's gap: its answer could say 0 downloads cut). */
  @Test
  void revokingItsSenderCountsADownloadReadAtFullSpeed() throws Exception {
    cutWhileReadAtFullSpeed(() -> admins.admin("carol").revokeIdentity(dev.sealdrop.protocol.v1.RevokeIdentityRequest
        .newBuilder().setIdentity("alice").build()).getDownloadsCut());
  }

  /** Bob reads a large file of alice's as fast as it comes; {@code act} (on alice) cuts it and says how many it cut. */
  void cutWhileReadAtFullSpeed(java.util.concurrent.Callable<Integer> act) throws Exception {
    // 128 MiB: the download still streams when the act reaches the server, one chunk check after another
    UploadResponse big = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(128 << 20, 72), "bob")
        .bytes());
    var g = Transfers.grant(clients, "alice", big.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId();
    ManagedChannel ch = clients.channel("bob");
    java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      Iterator<DownloadResponse> stream = dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(ch)
          .download(DownloadRequest.newBuilder().setClaimId(claim).build());
      assertThat(stream.next().getData().size()).isPositive();
      java.util.concurrent.Future<Long> read = reader.submit(() -> {
        long n = 0;
        try {
          while (stream.hasNext()) {
            n += stream.next().getData().size();
          }
        } catch (io.grpc.StatusRuntimeException cut) {
          return n;
        }
        return -1L; // read to the end: not cut
      });
      int cut = act.call();
      assertThat(read.get(30, TimeUnit.SECONDS)).as("the download was cut, not read to its end").isNotNegative();
      assertThat(cut).as("the download the act cut is counted").isEqualTo(1);
    } finally {
      reader.shutdownNow();
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The claim's holder gives it back (ReleaseClaim, e.g. from another process of the same receive) while its download
   * is open and paused: the download ends now, with the claim's cause, not at a next chunk nobody asks for, and the
   * grant is redeemable again.
   */
  @Test
  void releasingItsClaimCutsAStalledDownloadAtOnce() throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try {
      Stalled st = stalledDownload(ch);
      var g = st.grant();
      String claim = st.claim();
      clients.transfer("bob").releaseClaim(dev.sealdrop.protocol.v1.ReleaseClaimRequest.newBuilder().setClaimId(claim)
          .build());
      Supplier<List<AuditEntry>> aborts = () -> downloadRecords().stream()
          .filter(e -> e.getAction().equals("download.abort")).toList();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (aborts.get().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(aborts.get()).as("the paused download's end is audited at once, with the claim's cause")
          .singleElement().satisfies(e -> assertThat(e.getResult()).isEqualTo("claim-closed"));
      st.assertEndsWith("CLAIM_CLOSED");
      // the grant is redeemable again at once, and the whole file downloads under the new claim
      String again = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
          .getClaimId();
      assertThat(Transfers.download(clients.transfer("bob"), again, 0)).isEqualTo(envelope);
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A revoked sender's grants are revoked, and the response counts the download of one it stopped. */
  @Test
  void revokingItsSenderCutsAStalledDownloadAtOnceAndCountsIt() throws Exception {
    ManagedChannel ch = clients.channel("bob");
    try {
      Stalled st = stalledDownload(ch);
      var revoked = admins.admin("carol").revokeIdentity(dev.sealdrop.protocol.v1.RevokeIdentityRequest.newBuilder()
          .setIdentity("alice").build());
      assertThat(revoked.getDownloadsCut()).isEqualTo(1);
      assertThat(revoked.getGrantsRevoked()).isEqualTo(1);
      assertThat(revoked.getSessionsClosed()).as("alice had no call running").isZero();
      st.assertEndsWith("GRANT_REVOKED");
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
