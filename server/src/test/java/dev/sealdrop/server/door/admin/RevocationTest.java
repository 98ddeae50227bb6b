package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.causes;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 6: revocation takes effect at once — streams cut, handshakes refused, grants unusable. */
class RevocationTest extends OneServerPerMethod {
  UploadResponse file;

  @BeforeEach
  void start() {
    Users.publish(clients, server.pki, "alice");
    // 8 MiB: far more than the flow-control windows, so the stream is still running when it is cut.
    file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(8 << 20, 6), "bob", "dave").bytes());
  }

  /** Redeems a fresh grant for {@code user} and starts its download; returns the iterator after one chunk. */
  Iterator<DownloadResponse> downloading(String user, ManagedChannel ch, String grantToken) {
    String claim = TransferServiceGrpc.newBlockingStub(ch).redeem(RedeemRequest.newBuilder().setToken(grantToken)
        .build()).getClaimId();
    Iterator<DownloadResponse> it = TransferServiceGrpc.newBlockingStub(ch)
        .download(DownloadRequest.newBuilder().setClaimId(claim).build());
    assertThat(it.next().getData().size()).isPositive();
    return it;
  }

  /** Drains the stream; returns the failure that ended it (null if it completed) and the time it took. */
  static StatusRuntimeException drain(Iterator<DownloadResponse> it) {
    return catchThrowableOfType(StatusRuntimeException.class, () -> {
      while (it.hasNext()) {
        it.next();
      }
    });
  }

  @Test
  void revokingBobCutsHisDownloadRefusesHisHandshakeAndVoidsHisGrants() throws Exception {
    CreateGrantResponse streaming = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse pending = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    ManagedChannel bob = clients.channel("bob");
    Iterator<DownloadResponse> it = downloading("bob", bob, streaming.getToken());

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("bob").setReason("laptop lost").build());
    long t0 = System.nanoTime(); // from the act's answer: the cut is made within it, its fsyncs are no part of it
    StatusRuntimeException cut = drain(it);
    long millis = (System.nanoTime() - t0) / 1_000_000;

    assertThat(cut).as("the stream must be cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    // at once, not at the stall timeout (10 minutes): 10 s leaves room for a loaded machine
    assertThat(millis).as("cut at once (within 10 s)").isLessThan(10_000);
    assertThat(r.getSessionsClosed()).isGreaterThanOrEqualTo(1);
    assertThat(r.getGrantsRevoked()).isEqualTo(2);
    assertThat(r.getIdentity().getState()).isEqualTo(IdentityState.IDENTITY_STATE_REVOKED);
    assertThat(r.getAlreadyRevoked()).isFalse();
    assertThat(server.server().liveCalls().size()).isZero();
    // a repeat changes nothing and says so, in the answer and in the audit log (outside test: it looked like a new
    // revocation, `ok` without `changed`, where a repeated disable says changed=false)
    assertThat(admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("bob").build())
        .getAlreadyRevoked()).isTrue();
    assertThat(server.server().audit().tail(300)).filteredOn(e -> e.action().equals("admin.identity.revoke")
        && e.object().equals("identity:bob")).extracting(e -> e.details().get("changed"))
        .containsExactly("true", "false");

    // the open connection: its next call is refused
    refused(() -> TransferServiceGrpc.newBlockingStub(bob).listInbox(ListInboxRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "CERTIFICATE_REVOKED");
    // a new connection: the handshake fails
    StatusRuntimeException handshake = catchThrowableOfType(StatusRuntimeException.class,
        () -> clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()));
    assertThat(handshake.getStatus().getCode()).as(causes(handshake)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(causes(handshake)).contains("certificate_revoked");
    // his grants: revoked, so nobody can redeem them
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.newBuilder().setRecipient("bob").build())
        .getGrantsList()).extracting(AdminGrant::getState).containsOnly(GrantState.GRANT_STATE_REVOKED).hasSize(2);
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.newBuilder()
        .setState(GrantState.GRANT_STATE_REVOKED).build()).getGrantsList()).extracting(AdminGrant::getGrantId)
        .contains(pending.getGrant().getGrantId(), streaming.getGrant().getGrantId());
    // each grant the revocation ended has its own record naming it, as every record about a grant does
    var revokes = server.server().audit().tail(50).stream().filter(a -> a.action().equals("grant.revoke")).toList();
    assertThat(revokes).hasSize(2);
    for (var a : revokes) {
      assertThat(a.actor()).isEqualTo("carol");
      assertThat(a.result()).isEqualTo("ok");
      assertThat(a.details()).containsEntry("grant-id", a.object().substring("grant:".length()))
          .containsEntry("file-id", file.getFileId()).containsEntry("cause", "identity-revoked")
          .containsEntry("identity", "bob").containsEntry("reason", "laptop lost");
    }
    assertThat(revokes).anySatisfy(a -> {
      assertThat(a.object()).isEqualTo("grant:" + streaming.getGrant().getGrantId());
      assertThat(a.details()).containsEntry("state", "claimed");
    });
    assertThat(revokes).anySatisfy(a -> {
      assertThat(a.object()).isEqualTo("grant:" + pending.getGrant().getGrantId());
      assertThat(a.details()).containsEntry("state", "active");
    });
    // and revocation is for good
    refused(() -> admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("bob").build()),
        Status.Code.FAILED_PRECONDITION, "REVOKED_IDENTITY");
  }

  /**
   * Round CA: revoking an identity revoked its grants that had already expired too (counted in grants_revoked, listed
   * as revoked, a grant.revoke record each), while `grants revoke` refuses such a grant GRANT_EXPIRED. An expired
   * grant ended by its own expiry and stays expired.
   */
  @Test
  void revokingAnIdentityLeavesItsExpiredGrantsExpired() throws Exception {
    CreateGrantResponse soon = clients.transfer("alice").createGrant(dev.sealdrop.protocol.v1.CreateGrantRequest
        .newBuilder().setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(60).build());
    server.clock.advance(java.time.Duration.ofSeconds(61));
    CreateGrantResponse live = Transfers.grant(clients, "alice", file.getFileId(), "bob");

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("bob").setReason("left the deal").build());

    assertThat(r.getGrantsRevoked()).isEqualTo(1);
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.newBuilder().setRecipient("bob").build())
        .getGrantsList()).extracting(AdminGrant::getGrantId, AdminGrant::getState).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(soon.getGrant().getGrantId(), GrantState.GRANT_STATE_EXPIRED),
            org.assertj.core.groups.Tuple.tuple(live.getGrant().getGrantId(), GrantState.GRANT_STATE_REVOKED));
    assertThat(server.server().audit().tail(50)).filteredOn(a -> a.action().equals("grant.revoke"))
        .extracting(a -> a.object()).containsExactly("grant:" + live.getGrant().getGrantId());
  }

  /**
   * Review CD: a grant of two downloads claimed before its expiry and served in full, then its recipient revoked after
   * the expiry: the delivered download counts, which leaves the grant ACTIVE and past its expiry, that is expired; it
   * was revoked all the same (the grant's own revoke left it expired).
   */
  @Test
  void aDeliveredClaimCountedAtTheRevocationLeavesAnExpiredGrantExpired() throws Exception {
    CreateGrantResponse two = clients.transfer("alice").createGrant(dev.sealdrop.protocol.v1.CreateGrantRequest
        .newBuilder().setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(60).setMaxDownloads(2)
        .build());
    server.clock.advance(java.time.Duration.ofSeconds(50));
    var bob = TransferServiceGrpc.newBlockingStub(clients.channel("bob"));
    String claim = bob.redeem(RedeemRequest.newBuilder().setToken(two.getToken()).build()).getClaimId();
    assertThat(Transfers.download(bob, claim, 0)).hasSize((int) file.getSize());
    server.clock.advance(java.time.Duration.ofSeconds(20));

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("bob").build());

    assertThat(r.getGrantsRevoked()).isZero();
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.newBuilder().setRecipient("bob").build())
        .getGrantsList()).singleElement().satisfies(g -> {
          assertThat(g.getState()).isEqualTo(GrantState.GRANT_STATE_EXPIRED);
          assertThat(g.getDownloadsUsed()).isEqualTo(1);
        });
    assertThat(server.server().audit().tail(50)).noneMatch(a -> a.action().equals("grant.revoke"));
  }

  /**
   * A claim served every byte had delivered the file, which revoking its sender (or recipient) cannot take back: that
   * download counts, with its grant.consume record, as a grant's own revoke counts it (outside test: the identity's
   * revocation marked it revoked with 0 downloads used, and an auditor counting deliveries missed it).
   */
  @Test
  void revokingTheSenderAfterEveryByteWasServedCountsThatDownload() throws Exception {
    CreateGrantResponse delivered = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse pending = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(delivered.getToken()).build())
        .getClaimId();
    Transfers.download(clients.transfer("bob"), claim, 0);

    RevokeIdentityResponse r = admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder()
        .setIdentity("alice").setReason("left the company").build());
    assertThat(r.getGrantsRevoked()).as("the delivered one-time grant is used up, not revoked").isEqualTo(1);
    java.util.Map<String, AdminGrant> grants = new java.util.HashMap<>();
    admins.admin("carol").listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList()
        .forEach(g -> grants.put(g.getGrantId(), g));
    assertThat(grants.get(delivered.getGrant().getGrantId()).getState())
        .isEqualTo(GrantState.GRANT_STATE_CONSUMED);
    assertThat(grants.get(delivered.getGrant().getGrantId()).getDownloadsUsed()).isEqualTo(1);
    assertThat(grants.get(pending.getGrant().getGrantId()).getState())
        .isEqualTo(GrantState.GRANT_STATE_REVOKED);
    assertThat(server.server().audit().tail(60)).filteredOn(e -> e.action().equals("grant.consume")
        && e.object().equals("grant:" + delivered.getGrant().getGrantId())).singleElement()
        .satisfies(e -> assertThat(e.details()).containsEntry("cause", "delivered-before-revoke")
            .containsEntry("recipient", "bob"));
    assertThat(server.server().audit().tail(60)).filteredOn(e -> e.action().equals("grant.revoke")
        && e.object().equals("grant:" + delivered.getGrant().getGrantId())).isEmpty();
  }

  /** The same for a purge: the delivery it cannot take back has its grant.consume record (outside test). */
  @Test
  void purgingAFileAfterEveryByteWasServedRecordsThatDelivery() throws Exception {
    CreateGrantResponse delivered = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse pending = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String claim = clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(delivered.getToken()).build())
        .getClaimId();
    Transfers.download(clients.transfer("bob"), claim, 0);
    admins.admin("carol").purgeFile(dev.sealdrop.protocol.v1.PurgeFileRequest.newBuilder()
        .setFileId(file.getFileId()).setReason("wrong file").build());
    assertThat(server.server().audit().tail(60)).filteredOn(e -> e.action().equals("grant.consume"))
        .singleElement().satisfies(e -> {
          assertThat(e.object()).isEqualTo("grant:" + delivered.getGrant().getGrantId());
          assertThat(e.details()).containsEntry("cause", "delivered-before-purge").containsEntry("recipient", "bob");
        });
    assertThat(server.server().audit().tail(60)).filteredOn(e -> e.action().equals("grant.purge"))
        .extracting(e -> e.object()).contains("grant:" + pending.getGrant().getGrantId());
  }

  @Test
  void disablingDaveClosesHisCallsUntilReEnabled() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "dave");
    ManagedChannel dave = clients.channel("dave");
    Iterator<DownloadResponse> it = downloading("dave", dave, g.getToken());

    assertThat(admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("dave").build())
        .getAlreadyDisabled()).isFalse();
    StatusRuntimeException cut = drain(it);
    assertThat(cut).isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    refused(() -> TransferServiceGrpc.newBlockingStub(dave).listInbox(ListInboxRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "IDENTITY_DISABLED");

    // a restart of the development server (which registers its users at every start) keeps him disabled
    admins.close();
    clients.close();
    server.close();
    server.start();
    admins = new AdminClients(server);
    clients = server.clients();
    refused(() -> clients.transfer("dave").listInbox(ListInboxRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "IDENTITY_DISABLED");

    // disabling him again changes nothing and says so
    assertThat(admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("dave").build())
        .getAlreadyDisabled()).isTrue();
    assertThat(admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("dave").build())
        .getAlreadyEnabled()).isFalse();
    assertThat(clients.transfer("dave").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsList()).isNotEmpty();
    assertThat(admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("dave").build())
        .getAlreadyEnabled()).isTrue();
    // the audit log tells an act from its repeat (outside test: both were `ok {}`)
    assertThat(server.server().audit().tail(300)).filteredOn(r -> r.action().startsWith("admin.identity.")
        && r.object().equals("identity:dave")).extracting(r -> r.action() + " " + r.details().get("changed"))
        .containsSubsequence("admin.identity.disable true", "admin.identity.disable false",
            "admin.identity.enable true", "admin.identity.enable false");
  }

  @Test
  void aDisabledSendersGrantsCannotBeRedeemedOrDownloadedUntilItIsEnabledAgain() {
    CreateGrantResponse streaming = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse pending = Transfers.grant(clients, "alice", file.getFileId(), "dave");
    Iterator<DownloadResponse> it = downloading("bob", clients.channel("bob"), streaming.getToken());

    admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("alice").build());
    StatusRuntimeException cut = drain(it);
    assertThat(cut).as("bob's download of alice's file is cut").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(cut.getTrailers().get(dev.sealdrop.server.testing.Statuses.REASON)).isEqualTo("GRANT_SUSPENDED");
    assertThat(cut.getStatus().getDescription()).contains("'alice' is disabled");
    RedeemRequest redeemPending = RedeemRequest.newBuilder().setToken(pending.getToken()).build();
    refused(() -> clients.transfer("dave").redeem(redeemPending), Status.Code.FAILED_PRECONDITION, "GRANT_SUSPENDED");
    assertThat(admins.admin("carol").listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList())
        .filteredOn(g -> g.getGrantId().equals(pending.getGrant().getGrantId()))
        .extracting(AdminGrant::getState).as("nothing was claimed or used up").containsExactly(GrantState.GRANT_STATE_ACTIVE);

    admins.admin("carol").enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("alice").build());
    String claim = clients.transfer("dave").redeem(redeemPending).getClaimId();
    assertThat(Transfers.download(clients.transfer("dave"), claim, 0)).hasSize((int) file.getSize());
  }

  /**
   * A download that ends the moment its grant is revoked (here: the closer registered for it with
   * the core ends bob's stalled stream, and returns once the server has ended the download, as a door
   * that ends its streams at once would) has ended by the time the admin's answer is built, and it is
   * still one download the revocation cut.
   */
  @Test
  void aDownloadTheRevocationEndsAtOnceIsStillCountedAsCut() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String grantId = g.getGrant().getGrantId();
    io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
    Iterator<DownloadResponse> it = call.wrap(() -> downloading("bob", clients.channel("bob"), g.getToken())).call();
    dev.sealdrop.server.core.identity.LiveSessions live = server.server().liveSessions();
    dev.sealdrop.server.core.identity.Principal bob = server.server().identities().authenticate(
        server.pki.certificate("bob"), new dev.sealdrop.server.core.identity.Origin(
            dev.sealdrop.server.core.identity.Origin.GRPC, "test"));
    live.registerDownload(bob, new dev.sealdrop.server.core.identity.LiveSessions.Download(grantId,
        file.getFileId(), "alice", "a-claim-hash"), (reason, why) -> {
          call.cancel(null); // the stream ends (RST_STREAM reaches the server whatever the flow-control window)
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (!downloadAborted(grantId)) {
            assertThat(System.nanoTime()).as("the download ends within 30 s").isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
          }
          return true;
        });

    // a deadline past the closer's wait for the download's end (up to 30 s)
    dev.sealdrop.protocol.v1.RevokeAnyGrantResponse response = admins.admin("carol")
        .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS).revokeAnyGrant(
            RevokeAnyGrantRequest.newBuilder().setGrantId(grantId).setReason("deal off").build());
    assertThat(response.getDownloadsCut()).as("the download the revocation ended is counted").isEqualTo(1);
  }

  private boolean downloadAborted(String grantId) {
    try {
      return server.server().audit().tail(1000).stream().anyMatch(e -> e.action().equals("download.abort")
          && grantId.equals(e.details().get("grant-id")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void revokingAGrantWhileItStreamsCutsTheStream() {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    Iterator<DownloadResponse> it = downloading("bob", clients.channel("bob"), g.getToken());

    dev.sealdrop.protocol.v1.RevokeAnyGrantResponse response = admins.admin("carol").revokeAnyGrant(
        RevokeAnyGrantRequest.newBuilder().setGrantId(g.getGrant().getGrantId()).setReason("deal off").build());
    AdminGrant revoked = response.getGrant();
    assertThat(revoked.getState()).isEqualTo(GrantState.GRANT_STATE_REVOKED);
    assertThat(response.getDownloadsCut()).as("the one streaming download is counted as cut").isEqualTo(1);
    StatusRuntimeException cut = drain(it);
    assertThat(cut).as("the stream must be cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(cut.getTrailers().get(dev.sealdrop.server.testing.Statuses.REASON)).isEqualTo("GRANT_REVOKED");
  }

  @Test
  void purgingAFileWhileItStreamsCutsTheStreamSayingSoAndAuditsTheEndOfEachGrant() throws Exception {
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    CreateGrantResponse pending = Transfers.grant(clients, "alice", file.getFileId(), "dave");
    Iterator<DownloadResponse> it = downloading("bob", clients.channel("bob"), g.getToken());

    dev.sealdrop.protocol.v1.PurgeFileResponse purged = admins.admin("carol").purgeFile(
        dev.sealdrop.protocol.v1.PurgeFileRequest.newBuilder().setFileId(file.getFileId()).setReason("wrong file")
            .build());
    assertThat(purged.getDownloadsCut()).as("the one streaming download is counted as cut").isEqualTo(1);
    StatusRuntimeException cut = drain(it);
    assertThat(cut).as("the stream must be cut, not completed").isNotNull();
    assertThat(cut.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(cut.getTrailers().get(dev.sealdrop.server.testing.Statuses.REASON)).isEqualTo("FILE_PURGED");
    assertThat(cut.getStatus().getDescription()).contains("purged by an admin").doesNotContain("revoked");

    // one record per grant the purge ended, naming it, with the state it was in (an auditor follows each grant)
    var records = server.server().audit().tail(50).stream().filter(r -> r.action().equals("grant.purge")).toList();
    assertThat(records).hasSize(2);
    for (var r : records) {
      assertThat(r.actor()).isEqualTo("carol");
      assertThat(r.result()).isEqualTo("ok");
      assertThat(r.details()).containsEntry("file-id", file.getFileId()).containsEntry("cause", "file-purged")
          .containsEntry("reason", "wrong file");
    }
    assertThat(records).anySatisfy(r -> {
      assertThat(r.object()).isEqualTo("grant:" + g.getGrant().getGrantId());
      assertThat(r.details()).containsEntry("state", "claimed");
    });
    assertThat(records).anySatisfy(r -> {
      assertThat(r.object()).isEqualTo("grant:" + pending.getGrant().getGrantId());
      assertThat(r.details()).containsEntry("state", "active");
    });
  }

  /**
   * A revoked identity's unfinished uploads are deleted at the next maintenance (every minute), not a day later when
   * they would expire idle: no certificate of it can resume them, and they held disk (outside test). A disabled one's
   * are kept: it may be enabled again and resume them.
   */
  @Test
  void aRevokedSendersUnfinishedUploadsAreDeletedADisabledOnesKept() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(1 << 20, 61), "bob").bytes();
    String upload = Transfers.createUpload(clients, "alice", envelope.length);
    // more than the server's first 512 KiB write block, so bytes reach the disk while the stream is open
    var streaming = Transfers.stream(clients, "alice", upload, envelope, 0, 768 << 10, false);
    java.nio.file.Path part = data.resolve("tmp").resolve(upload + ".part");
    awaitPartLongerThan(part, 0); // some bytes are on disk before the disable, so "kept" below means kept with its bytes
    admins.admin("carol").disableIdentity(DisableIdentityRequest.newBuilder().setIdentity("alice").build());
    streaming.handle((r, t) -> t).get(30, java.util.concurrent.TimeUnit.SECONDS); // the disable cut the stream
    server.server().runMaintenance();
    assertThat(part).as("a disabled sender's upload is kept").exists();
    assertThat(java.nio.file.Files.size(part)).isPositive();

    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice").build());
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    do { // the cut stream's server side may still be ending: the next maintenance takes its upload then
      server.server().runMaintenance();
    } while (java.nio.file.Files.exists(part) && System.nanoTime() < deadline && sleep(50));
    assertThat(part).as("a revoked sender's upload is deleted").doesNotExist();
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.object().equals("upload:" + upload)
        && r.actor().equals("server")).singleElement().satisfies(r -> {
          assertThat(r.action()).isEqualTo("upload.abort");
          assertThat(r.result()).isEqualTo("identity-revoked");
          assertThat(r.details()).containsEntry("owner", "alice");
        });
  }

  /**
   * Round DA: an upload started with a certificate an admin then revoked stayed for a day (upload-abandon-after), holding
   * its owner's quota and disk, though the CLI that started it forgets it and neither its owner nor an admin could end
   * it. It is deleted at the next maintenance, audited as certificate-revoked; an upload of the same identity started
   * with another certificate is kept.
   */
  @Test
  void anUploadStartedWithARevokedCertificateIsDeletedOthersOfItsIdentityKept() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(1 << 20, 62), "bob").bytes();
    String upload = Transfers.createUpload(clients, "alice", envelope.length);
    var streaming = Transfers.stream(clients, "alice", upload, envelope, 0, 768 << 10, false);
    java.nio.file.Path part = data.resolve("tmp").resolve(upload + ".part");
    awaitPartLongerThan(part, 0);
    // the same identity's upload made with another certificate (as after `keys renew`): kept
    dev.sealdrop.server.core.identity.Credential other = new dev.sealdrop.server.core.identity.Credential("alice",
        server.pki.certificate("alice").getIssuerX500Principal().getName(), "0badc0ffee");
    String kept = "up_" + "a".repeat(32);
    java.time.Instant now = server.clock.instant();
    try (dev.sealdrop.server.store.meta.Database db = dev.sealdrop.server.store.meta.Database.openSqlite(
        data.resolve("sealdrop.db"))) {
      assertThat(new dev.sealdrop.server.store.meta.JdbcUploadRepository(db).createWithin(
          new dev.sealdrop.server.core.upload.Upload(kept, "alice", dev.sealdrop.server.core.upload.UploadState.OPEN,
              10, 0, now, now, null, true), 64, other)).isTrue();
    }

    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice")
        .setCertificateSerial(server.pki.certificate("alice").getSerialNumber().toString(16)).setReason("lost laptop")
        .build());
    streaming.handle((r, t) -> t).get(30, java.util.concurrent.TimeUnit.SECONDS); // the revocation cut the stream
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    do { // the cut stream's server side may still be ending: the next maintenance takes its upload then
      server.server().runMaintenance();
    } while (java.nio.file.Files.exists(part) && System.nanoTime() < deadline && sleep(50));
    assertThat(part).as("the revoked certificate's upload is deleted").doesNotExist();
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.object().equals("upload:" + upload)
        && r.actor().equals("server")).singleElement().satisfies(r -> {
          assertThat(r.action()).isEqualTo("upload.abort");
          assertThat(r.result()).isEqualTo("certificate-revoked");
          assertThat(r.details()).containsEntry("owner", "alice");
        });
    assertThat(server.server().audit().tail(30)).as("the other certificate's upload is kept")
        .noneMatch(r -> r.object().equals("upload:" + kept));
  }

  /**
   * An upload records the certificate it was last resumed with (JdbcUploadRepository.recordResumedWith): started with
   * another certificate of alice's (as before `keys renew`) and resumed with this one, it is deleted when this one is
   * revoked (session 54's gap: nothing tested the resume's record).
   */
  @Test
  void anUploadResumedWithACertificateThatIsThenRevokedIsDeleted() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 64), "bob").bytes();
    String upload = Transfers.createUpload(clients, "alice", envelope.length);
    java.nio.file.Path part = data.resolve("tmp").resolve(upload + ".part");
    ManagedChannel doomed = clients.channel("alice");
    var cut = Transfers.stream(TransferServiceGrpc.newStub(doomed), upload, envelope, 0, 3 << 19, false);
    awaitPartLongerThan(part, 1 << 20);
    doomed.shutdownNow();
    doomed.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    cut.handle((r, t) -> t).get(30, java.util.concurrent.TimeUnit.SECONDS);
    long offset = Transfers.awaitCommittedOffset(clients, "alice", upload, o -> o > 0);
    assertThat(offset).as("the cut upload keeps what it received").isPositive();
    madeWithAnotherCertificate(upload);
    var resumed = Transfers.stream(clients, "alice", upload, envelope, (int) offset, (int) offset + (1 << 20), false);
    awaitPartLongerThan(part, offset + (512 << 10)); // the resume's stream is open: its certificate is recorded

    revokeAlicesCertificateThenMaintain(resumed, part);
    assertThat(part).as("the upload resumed with the revoked certificate is deleted").doesNotExist();
    assertThat(server.server().audit().tail(30)).filteredOn(r -> r.object().equals("upload:" + upload)
        && r.actor().equals("server")).singleElement().satisfies(r -> assertThat(r.result())
            .isEqualTo("certificate-revoked"));
  }

  /**
   * Review DD: a first stream that broke before its first checkpoint leaves an upload at offset 0; its resume there with
   * another certificate of the same identity (after `keys renew`) is recorded as made with it too.
   */
  @Test
  void anUploadResumedAtItsStartWithACertificateThatIsThenRevokedIsDeleted() throws Exception {
    byte[] envelope = Users.seal("alice", Users.randomBytes(3 << 20, 65), "bob").bytes();
    String upload = Transfers.createUpload(clients, "alice", envelope.length);
    java.nio.file.Path part = data.resolve("tmp").resolve(upload + ".part");
    madeWithAnotherCertificate(upload);
    var resumed = Transfers.stream(clients, "alice", upload, envelope, 0, 1 << 20, false);
    awaitPartLongerThan(part, 512 << 10); // the stream is open: its certificate is recorded

    revokeAlicesCertificateThenMaintain(resumed, part);
    assertThat(part).as("the upload resumed with the revoked certificate is deleted").doesNotExist();
  }

  /** Records {@code upload} as made with another certificate of alice's, as if started before a renewal. */
  private void madeWithAnotherCertificate(String upload) throws Exception {
    try (dev.sealdrop.server.store.meta.Database db = dev.sealdrop.server.store.meta.Database.openSqlite(
        data.resolve("sealdrop.db"))) {
      new dev.sealdrop.server.store.meta.JdbcUploadRepository(db).recordResumedWith(upload,
          new dev.sealdrop.server.core.identity.Credential("alice",
              server.pki.certificate("alice").getIssuerX500Principal().getName(), "0badc0ffee"));
    }
  }

  /** Revokes alice's certificate, waits for it to cut {@code streaming}, then runs maintenance until part is gone. */
  private void revokeAlicesCertificateThenMaintain(java.util.concurrent.CompletableFuture<?> streaming,
      java.nio.file.Path part) throws Exception {
    admins.admin("carol").revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("alice")
        .setCertificateSerial(server.pki.certificate("alice").getSerialNumber().toString(16)).setReason("lost laptop")
        .build());
    streaming.handle((r, t) -> t).get(30, java.util.concurrent.TimeUnit.SECONDS);
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    do {
      server.server().runMaintenance();
    } while (java.nio.file.Files.exists(part) && System.nanoTime() < deadline && sleep(50));
  }

  private static void awaitPartLongerThan(java.nio.file.Path part, long size) throws Exception {
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!(java.nio.file.Files.exists(part) && java.nio.file.Files.size(part) > size) && System.nanoTime() < until) {
      Thread.sleep(20);
    }
    assertThat(part).as("the upload's temporary file").exists();
    assertThat(java.nio.file.Files.size(part)).as("the server received the stream's bytes").isGreaterThan(size);
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }
}
