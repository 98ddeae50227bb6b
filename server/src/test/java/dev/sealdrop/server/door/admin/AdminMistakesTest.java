package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.admin.AdminOperations;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.door.grpc.ErrorMapper;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a new admin gets wrong, answered so that nothing leaks and nothing misleads: a grant token pasted where an
 * id belongs is neither recorded in the audit log nor sent back, and a listing filtered by a misspelt identity is
 * refused instead of answered "(none)".
 */
class AdminMistakesTest extends OneServerPerMethod {
  AdminServiceGrpc.AdminServiceBlockingStub carol;

  @BeforeEach
  void start() {
    carol = admins.admin("carol");
  }

  @Test
  void aTokenGivenForAnIdIsNeitherAuditedNorRepeatedAndTheGrantIsUntouched() throws Exception {
    Users.publish(clients, server.pki, "alice");
    UploadResponse file = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(1000, 3), "bob").bytes());
    CreateGrantResponse g = Transfers.grant(clients, "alice", file.getFileId(), "bob");
    String secret = g.getToken().substring(4);

    StatusRuntimeException revoke = refused(() -> carol.revokeAnyGrant(RevokeAnyGrantRequest.newBuilder()
        .setGrantId(g.getToken()).setReason("wrong one").build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    StatusRuntimeException purge = refused(() -> carol.purgeFile(PurgeFileRequest.newBuilder()
        .setFileId(g.getToken()).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    // the owner's own RevokeGrant on the transfer port goes through the same core act
    StatusRuntimeException own = refused(() -> clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(g.getToken()).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    // nor is a value that is not a token, and so not redacted, quoted or recorded
    String notAnId = "g_" + "z".repeat(32);
    StatusRuntimeException other = refused(() -> carol.revokeAnyGrant(RevokeAnyGrantRequest.newBuilder()
        .setGrantId(notAnId).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    StatusRuntimeException otherOwn = refused(() -> clients.transfer("alice").revokeGrant(RevokeGrantRequest
        .newBuilder().setGrantId(notAnId).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    StatusRuntimeException name = refused(() -> carol.disableIdentity(DisableIdentityRequest.newBuilder()
        .setIdentity("bob jones").build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    for (StatusRuntimeException e : new StatusRuntimeException[] {revoke, purge, own, other, otherOwn, name}) {
      assertThat(e.getStatus().getDescription()).doesNotContain(secret).doesNotContain("sdg_")
          .doesNotContain(notAnId).doesNotContain("bob jones").contains(" is malformed");
    }
    // each is pointed at what lists its ids for it: an admin is never sent to a transferor's command (round DE)
    assertThat(revoke.getStatus().getDescription()).contains("`sealdrop admin grants list`")
        .doesNotContain("`sealdrop grants`");
    assertThat(own.getStatus().getDescription()).contains("`sealdrop grants`");

    String live = Files.readString(data.resolve("audit").resolve("audit.jsonl"));
    assertThat(live).doesNotContain(secret).doesNotContain("sdg_").doesNotContain(notAnId)
        .doesNotContain("bob jones");
    // the refused acts are still recorded, naming no object: an empty one, as the owner's grant.revoke
    assertThat(live).contains("\"action\":\"admin.grant.revoke\",\"object\":\"\"")
        .contains("\"action\":\"admin.file.purge\",\"object\":\"\"")
        .contains("\"action\":\"admin.identity.disable\",\"object\":\"identity:\"")
        .contains("\"action\":\"grant.revoke\",\"object\":\"\"");

    // nothing was revoked: bob still redeems the grant
    assertThat(clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken(g.getToken()).build())
        .getClaimId()).isNotEmpty();
  }

  @Test
  void aSerialOrAnSshFingerprintIsRecordedAsTheServerPrintsItAndNotAtAllWhenItIsNotOne() throws Exception {
    String junkSerial = "serial=zz:not-one";
    refused(() -> carol.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("bob")
        .setCertificateSerial(junkSerial).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    carol.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("bob").setCertificateSerial("00ABCDEF01")
        .build());
    String junkFingerprint = "not a fingerprint, maybe a pasted secret";
    String fingerprint = "SHA256:" + "Ab1+".repeat(10) + "xyZ";
    StatusRuntimeException junk = refused(() -> SshKeysGrpc.newBlockingStub(clients.channel("alice"))
        .removeSshKey(RemoveSshKeyRequest.newBuilder().setFingerprint(junkFingerprint).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(junk.getStatus().getDescription()).doesNotContain(junkFingerprint);
    refused(() -> SshKeysGrpc.newBlockingStub(clients.channel("alice")).removeSshKey(RemoveSshKeyRequest.newBuilder()
        .setFingerprint("sha256:" + fingerprint.substring(7)).build()), Status.Code.NOT_FOUND, "NOT_FOUND");

    List<Audit.Entry> revokes = records("admin.certificate.revoke");
    assertThat(revokes).extracting(Audit.Entry::result).containsExactly("invalid-request", "ok");
    assertThat(revokes.get(0).details()).doesNotContainKey("serial");
    assertThat(revokes.get(1).details()).containsEntry("serial", "abcdef01");
    assertThat(revokes).extracting(Audit.Entry::details).as("no reason given: no reason detail, as in every other"
        + " admin record (not an empty one)").allSatisfy(d -> assertThat(d).doesNotContainKey("reason"));
    List<Audit.Entry> removes = records("sshkey.remove");
    assertThat(removes).extracting(Audit.Entry::result).containsExactly("invalid-request", "not-found");
    assertThat(removes.get(0).details()).doesNotContainKey("fingerprint");
    assertThat(removes.get(1).details()).containsEntry("fingerprint", fingerprint);
    assertThat(Files.readString(data.resolve("audit").resolve("audit.jsonl"))).doesNotContain(junkSerial)
        .doesNotContain(junkFingerprint).doesNotContain("00ABCDEF01").doesNotContain("sha256:" + fingerprint.substring(7));
  }

  @Test
  void aValueRefusedBelowTheRequestChecksIsAMalformedRequestNotAFailedPrecondition() throws Exception {
    // no request reaches this today (the checks before refuse first): a rule below them that throws
    // IllegalArgumentException refuses what the admin gave, and is answered as RequestFields' refusals are
    AdminOperations ops = server.server().adminOperations();
    Principal admin = server.server().identities().authenticate(server.pki.certificate("carol"),
        Origin.grpc("127.0.0.1:9"));
    SealdropException e = catchThrowableOfType(SealdropException.class, () -> ops.audited(
        new AdminOperations.Caller(admin, "127.0.0.1:9"), "audit.tail", () -> {
          throw new IllegalArgumentException("count is malformed");
        }));
    assertThat(e).isInstanceOf(InvalidRequestException.class).hasMessage("count is malformed");
    assertThat(e.reason()).isEqualTo(Reason.INVALID_REQUEST);
    assertThat(ErrorMapper.toStatus(e).getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(records("audit.tail")).extracting(Audit.Entry::result).containsExactly("invalid-request");
    // and what IdentityService refused with IllegalArgumentException was no malformed request: it says what it is
    assertThat(catchThrowableOfType(SealdropException.class, () -> server.server().identities()
        .setEnabled("nobody-here", true)).reason()).isEqualTo(Reason.NOT_FOUND);
    carol.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("dave").build());
    assertThat(catchThrowableOfType(SealdropException.class, () -> server.server().identities()
        .setEnabled("dave", true)).reason()).isEqualTo(Reason.REVOKED_IDENTITY);
  }

  /**
   * Enabling or disabling a revoked identity is refused with a reason about that identity, not one a client reads as
   * its own certificate being refused (CERTIFICATE_REVOKED sent carol's CLI to `keys renew`); nothing changes.
   */
  @Test
  void aRevokedIdentityIsNeitherEnabledNorDisabledAndTheRefusalNamesItNotTheCaller() throws Exception {
    carol.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("dave").setReason("left").build());

    StatusRuntimeException enable = refused(() -> carol.enableIdentity(EnableIdentityRequest.newBuilder()
        .setIdentity("dave").build()), Status.Code.FAILED_PRECONDITION, "REVOKED_IDENTITY");
    assertThat(enable.getStatus().getDescription()).isEqualTo("identity 'dave' is revoked for good, so it cannot be"
        + " enabled again; nothing was changed. To let its holder in, add a new identity under another name (a"
        + " revoked identity's name cannot be reused)");
    StatusRuntimeException disable = refused(() -> carol.disableIdentity(DisableIdentityRequest.newBuilder()
        .setIdentity("dave").setReason("to be sure").build()), Status.Code.FAILED_PRECONDITION, "REVOKED_IDENTITY");
    assertThat(disable.getStatus().getDescription()).startsWith("identity 'dave' is revoked for good, so it cannot"
        + " be disabled").contains("nothing was changed");

    assertThat(records("admin.identity.enable")).singleElement().satisfies(r -> {
      assertThat(r.object()).isEqualTo("identity:dave");
      assertThat(r.result()).isEqualTo("revoked-identity");
    });
    assertThat(records("admin.identity.disable")).extracting(Audit.Entry::result).containsExactly("revoked-identity");
    assertThat(carol.listIdentities(ListIdentitiesRequest.getDefaultInstance()).getIdentitiesList())
        .filteredOn(i -> i.getIdentity().equals("dave")).extracting(IdentityInfo::getState)
        .containsExactly(IdentityState.IDENTITY_STATE_REVOKED);
  }

  private List<Audit.Entry> records(String action) throws java.io.IOException {
    return server.server().audit().tail(1000).stream().filter(r -> r.action().equals(action)).toList();
  }

  @Test
  void aListingFilteredByAnIdentityThatDoesNotExistIsRefusedNotEmpty() {
    StatusRuntimeException owner = refused(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder()
        .setOwner("alcie").build()), Status.Code.NOT_FOUND, "NOT_FOUND");
    assertThat(owner.getStatus().getDescription()).isEqualTo(
        "no identity 'alcie' (the owner to list by); see admin identities list");
    StatusRuntimeException recipient = refused(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder()
        .setOwner("alice").setRecipient("Bob").build()), Status.Code.NOT_FOUND, "NOT_FOUND");
    assertThat(recipient.getStatus().getDescription()).contains("no identity 'Bob' (the recipient to list by)");
    refused(() -> carol.listAllFiles(ListAllFilesRequest.newBuilder().setOwner("alcie").build()),
        Status.Code.NOT_FOUND, "NOT_FOUND");

    // an identity that exists and has nothing is an empty list, as before
    assertThat(carol.listAllGrants(ListAllGrantsRequest.newBuilder().setOwner("dave").build()).getGrantsList())
        .isEmpty();
    assertThat(carol.listAllFiles(ListAllFilesRequest.newBuilder().setOwner("alice").build()).getFilesList())
        .isEmpty();
  }

  /** A state filter this server does not know (a newer client's) is refused: read as "any state" it listed all. */
  @Test
  void aGrantStateFilterThatIsNoKnownStateIsRefusedNotReadAsAnyState() throws Exception {
    for (int unknown : new int[] {99, -1}) {
      StatusRuntimeException e = refused(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder()
          .setStateValue(unknown).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
      assertThat(e.getStatus().getDescription()).contains("leave it unset for any state");
    }
    assertThat(carol.listAllGrants(ListAllGrantsRequest.newBuilder()
        .setState(dev.sealdrop.protocol.v1.GrantState.GRANT_STATE_UNSPECIFIED).build())).isNotNull();
    // each refusal is recorded as the listing's (review DR: the door refused it before the act, unrecorded)
    assertThat(records("admin.grant.list")).extracting(Audit.Entry::result)
        .containsExactly("invalid-request", "invalid-request", "ok");
  }

  /** Review DR: a tail whose count is out of range was refused before the act, with no record. */
  @Test
  void aTailOfACountOutOfRangeIsRefusedAndRecorded() throws Exception {
    for (int count : new int[] {1001, -5}) {
      StatusRuntimeException e = refused(() -> carol.tailAudit(dev.sealdrop.protocol.v1.TailAuditRequest.newBuilder()
          .setCount(count).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
      assertThat(e.getStatus().getDescription()).contains("count must be 1 to 1000");
    }
    assertThat(records("audit.tail")).extracting(Audit.Entry::actor, Audit.Entry::result).containsExactly(
        org.assertj.core.groups.Tuple.tuple("carol", "invalid-request"),
        org.assertj.core.groups.Tuple.tuple("carol", "invalid-request"));
  }

  /**
   * Review DR: an export whose temporary file could not be made (no room; here tmp/ replaced by a file for the
   * moment) was refused with no record of the attempt.
   */
  @Test
  void anExportThatCannotMakeItsTemporaryFileIsRefusedAndRecorded() throws Exception {
    java.nio.file.Path tmp = data.resolve("tmp");
    java.nio.file.Path aside = data.resolve("tmp-aside");
    java.nio.file.Files.move(tmp, aside);
    java.nio.file.Files.writeString(tmp, "not a folder");
    try {
      StatusRuntimeException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> carol.exportAudit(
          dev.sealdrop.protocol.v1.ExportAuditRequest.getDefaultInstance()).forEachRemaining(c -> { }),
          StatusRuntimeException.class);
      assertThat(e).as("refused").isNotNull();
    } finally {
      java.nio.file.Files.delete(tmp);
      java.nio.file.Files.move(aside, tmp);
    }
    assertThat(records("audit.export")).extracting(Audit.Entry::actor).containsExactly("carol");
    assertThat(records("audit.export").get(0).result()).isNotEqualTo("ok");
  }
}
