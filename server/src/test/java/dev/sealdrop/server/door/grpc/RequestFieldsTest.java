package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.ListSshKeysRequest;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.ReleaseClaimRequest;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ids, secrets and fingerprints a request names: empty or malformed is a malformed request
 * ({@code INVALID_ARGUMENT / INVALID_REQUEST}) that names the field, on every RPC that takes one,
 * never "not found"; hexadecimal ones are taken in upper case too (docs/protocol.md §6).
 */
class RequestFieldsTest {
  @TempDir
  static Path data;
  static TestServer server;
  static Clients clients;
  static AdminClients admins;
  static UploadResponse file;

  @BeforeAll
  static void start() {
    server = new TestServer(data, c -> c.withAdmin(c.admin().withPort(0)));
    clients = server.clients();
    admins = new AdminClients(server);
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    byte[] env = Users.seal("alice", Users.randomBytes(10_000, 1), "bob").bytes();
    file = Transfers.upload(clients, "alice", env);
  }

  @AfterAll
  static void stop() {
    admins.close();
    clients.close();
    server.close();
  }

  /** Refused as a malformed request whose message names {@code field} and says it is empty or malformed. */
  private static void malformed(ThrowingCallable call, String field, boolean empty) {
    StatusRuntimeException e = refused(call, Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(e.getStatus().getDescription()).startsWith(field + (empty ? " is empty; it must be "
        : " is malformed; it must be "));
  }

  private static String token() {
    return Transfers.grant(clients, "alice", file.getFileId(), "bob").getToken();
  }

  @Test
  void emptyOrMalformedIdsTokensAndFingerprintsAreMalformedRequestsNamingTheField() {
    var alice = clients.transfer("alice");
    var bob = clients.transfer("bob");
    for (String bad : new String[] {"", "nonsense"}) {
      boolean empty = bad.isEmpty();
      malformed(() -> alice.createGrant(CreateGrantRequest.newBuilder().setFileId(bad).setRecipient("bob").build()),
          "file_id", empty);
      malformed(() -> alice.getUpload(GetUploadRequest.newBuilder().setUploadId(bad).build()), "upload_id", empty);
      malformed(() -> Transfers.await(Transfers.stream(clients, "alice", bad, new byte[0], 0, 0, true)), "upload_id",
          empty);
      malformed(() -> alice.revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(bad).build()), "grant_id", empty);
      malformed(() -> bob.redeem(RedeemRequest.newBuilder().setToken(bad).build()), "token", empty);
      malformed(() -> bob.download(DownloadRequest.newBuilder().setClaimId(bad).build()).hasNext(), "claim_id",
          empty);
      malformed(() -> bob.releaseClaim(ReleaseClaimRequest.newBuilder().setClaimId(bad).build()), "claim_id", empty);
      malformed(() -> bob.confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(bad)
          .setFingerprint(file.getFingerprint()).build()), "claim_id", empty);
      malformed(() -> sshKeys("alice").removeSshKey(RemoveSshKeyRequest.newBuilder().setFingerprint(bad).build()),
          "fingerprint", empty);
      malformed(() -> admins.admin("carol").purgeFile(PurgeFileRequest.newBuilder().setFileId(bad).build()),
          "file_id", empty);
    }
    // a fingerprint that is not one is malformed, not "the file you computed does not match"
    RedeemResponse claim = bob.redeem(RedeemRequest.newBuilder().setToken(token()).build());
    Transfers.download(bob, claim.getClaimId(), 0);
    malformed(() -> bob.confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claim.getClaimId()).build()),
        "fingerprint", true);
    malformed(() -> bob.confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claim.getClaimId())
        .setFingerprint("not-hex").build()), "fingerprint", false);
  }

  /** The rule admin identities add applies, as every refusal of an identity name words it. */
  private static final String NAME_RULE = "it must be an identity name: 1-64 characters of letters, digits, '.', '_',"
      + " '@', '-', starting with a letter or digit";

  /** Refused as a malformed request: {@code field} is empty or has {@code problem}, and the rule follows. */
  private static void badName(ThrowingCallable call, String field, String problem) {
    StatusRuntimeException e = refused(call, Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(e.getStatus().getDescription()).isEqualTo(field + (problem.isEmpty() ? " is empty; "
        : " is malformed (" + problem + "); ") + NAME_RULE);
  }

  /**
   * Outside test: two identities named like grant tokens were both "sdg_[redacted]" in the audit log, and a pasted
   * token was stored in clear. Refused, without the name repeated; nothing is added.
   */
  /** Round AI: an identity could be named "server", the audit log's actor for the server's own acts. */
  @Test
  void noIdentityMayBeNamedAsTheServerIsInTheAuditLog() {
    var carol = admins.admin("carol");
    for (String name : new String[] {"server", "Server", "SERVER"}) {
      StatusRuntimeException e = refused(() -> carol.addIdentity(AddIdentityRequest.newBuilder().setIdentity(name)
          .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
      assertThat(e.getStatus().getDescription()).contains("the audit log's name for the server itself");
    }
    assertThat(carol.addIdentity(AddIdentityRequest.newBuilder().setIdentity("server1").setRole(Role.ROLE_ACQUIRER)
        .build()).getIdentity().getIdentity()).isEqualTo("server1");
  }

  @Test
  void anIdentityNameHoldingATokenPrefixIsRefusedWithoutRepeatingIt() {
    var carol = admins.admin("carol");
    for (String name : new String[] {"sdg_CpxWHeon8pC1aPAW5J6NIYPjkU4uCpv6KEPO643gNQs", "x.sdc_abc", "erin-sdg_1",
        "SDG_upper", "x.Sdc_mixed"}) {
      StatusRuntimeException e = refused(() -> carol.addIdentity(AddIdentityRequest.newBuilder().setIdentity(name)
          .setRole(Role.ROLE_ACQUIRER).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
      assertThat(e.getStatus().getDescription()).contains("may not contain 'sdg_' or 'sdc_'")
          .doesNotContain(name);
    }
    assertThat(carol.listIdentities(dev.sealdrop.protocol.v1.ListIdentitiesRequest.newBuilder().build())
        .getIdentitiesList()).extracting(i -> i.getIdentity().toLowerCase(java.util.Locale.ROOT))
        .noneMatch(n -> n.contains("sdg_") || n.contains("sdc_"));
  }

  @Test
  void emptyOrMalformedIdentityNamesAreMalformedRequestsNamingTheFieldTheProblemAndTheRule() {
    var alice = clients.transfer("alice");
    var carol = admins.admin("carol");
    String tooLong = "a".repeat(65);
    badName(() -> alice.createGrant(CreateGrantRequest.newBuilder().setFileId(file.getFileId()).build()),
        "recipient", "");
    badName(() -> alice.createGrant(CreateGrantRequest.newBuilder().setFileId(file.getFileId()).setRecipient("b b")
        .build()), "recipient", "it contains a space");
    badName(() -> alice.createUpload(CreateUploadRequest.newBuilder().addIntendedRecipients("").build()),
        "intended_recipients", "");
    badName(() -> alice.createUpload(CreateUploadRequest.newBuilder().addIntendedRecipients(tooLong).build()),
        "intended_recipients", "it has 65 characters");
    badName(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().build()), "identity", "");
    badName(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity("-bob").build()),
        "identity", "it starts with '-'");
    // an admin naming another identity's SSH keys; empty stays "the caller's own"
    badName(() -> sshKeys("carol").listSshKeys(ListSshKeysRequest.newBuilder().setIdentity("bob/..").build()),
        "identity", "it contains '/'");
    assertThat(sshKeys("alice").listSshKeys(ListSshKeysRequest.newBuilder().build()).getKeysList()).isNotNull();

    badName(() -> carol.addIdentity(AddIdentityRequest.newBuilder().setRole(Role.ROLE_ACQUIRER).build()),
        "identity", "");
    badName(() -> carol.addIdentity(AddIdentityRequest.newBuilder().setIdentity("bad name")
        .setRole(Role.ROLE_ACQUIRER).build()), "identity", "it contains a space");
    badName(() -> carol.disableIdentity(DisableIdentityRequest.newBuilder().build()), "identity", "");
    badName(() -> carol.enableIdentity(EnableIdentityRequest.newBuilder().setIdentity("é").build()), "identity",
        "it starts with the character U+00E9");
    badName(() -> carol.revokeIdentity(RevokeIdentityRequest.newBuilder().setIdentity("").build()), "identity", "");
    badName(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder().setRecipient("bo b").build()), "recipient",
        "it contains a space");
    badName(() -> carol.listAllFiles(ListAllFilesRequest.newBuilder().setOwner("al:ce").build()), "owner",
        "it contains ':'");
  }

  @Test
  void hexIdsAndFingerprintsAreTakenInUpperCaseToo() throws Exception {
    String upperFile = file.getFileId().toUpperCase(Locale.ROOT);
    CreateGrantResponse grant = clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(upperFile).setRecipient("bob").build());
    assertThat(grant.getGrant().getFileId()).isEqualTo(file.getFileId());
    var bob = clients.transfer("bob");
    RedeemResponse claim = bob.redeem(RedeemRequest.newBuilder().setToken(grant.getToken()).build());
    Transfers.download(bob, claim.getClaimId(), 0);
    assertThat(bob.confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claim.getClaimId())
        .setFingerprint(file.getFingerprint().toUpperCase(Locale.ROOT)).build()).getGrant().getDownloadsUsed())
        .isEqualTo(1);

    String upload = Transfers.createUpload(clients, "alice", 0);
    assertThat(clients.transfer("alice").getUpload(GetUploadRequest.newBuilder()
        .setUploadId(upload.toUpperCase(Locale.ROOT)).build()).getUploadId()).isEqualTo(upload);
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    var stream = Transfers.openUpload(clients.transferAsync("alice"), result);
    stream.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder()
        .setUploadId(upload.toUpperCase(Locale.ROOT))).build());
    byte[] env = Users.seal("alice", Users.randomBytes(1000, 2), "bob").bytes();
    stream.onNext(UploadRequest.newBuilder().setData(com.google.protobuf.ByteString.copyFrom(env)).setFinish(true)
        .build());
    stream.onCompleted();
    assertThat(Transfers.await(result).getUploadId()).isEqualTo(upload);

    String revoked = clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(Transfers.grant(clients, "alice", file.getFileId(), "bob").getGrant().getGrantId()
            .toUpperCase(Locale.ROOT)).build()).getGrant().getGrantId();
    assertThat(revoked).startsWith("g_");

    // an SSH fingerprint's base64 is case-sensitive; its SHA256: prefix is not
    String line = PublicKeyEntry.toString(KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256).getPublic());
    String fp = sshKeys("alice").addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(line).build()).getKey()
        .getFingerprint();
    assertThat(sshKeys("alice").removeSshKey(RemoveSshKeyRequest.newBuilder()
        .setFingerprint("sha256:" + fp.substring("SHA256:".length())).build()).getKey().getFingerprint()).isEqualTo(fp);
  }

  private static SshKeysGrpc.SshKeysBlockingStub sshKeys(String user) {
    return SshKeysGrpc.newBlockingStub(clients.channel(user));
  }
}
