package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.OpenedFile;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.keys.BundleVerifier;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4: the whole path, and every way a grant can be refused, each with its own status and reason. */
class GrantFlowTest extends OneServerPerClass {
  @TempDir
  static Path out;
  static UploadResponse file;
  static byte[] envelope;
  static byte[] plaintext;

  @BeforeAll
  static void start() throws Exception {
    Users.publish(clients, server.pki, "alice");
    Users.publish(clients, server.pki, "bob");
    Users.publish(clients, server.pki, "dave");
    plaintext = "name,email,revenue\nACME Corp,ceo@acme.example,12000000\n".repeat(5000).getBytes();
    envelope = sealForBobAsAliceWouldViaTheDirectory();
    file = Transfers.upload(clients, "alice", envelope);
  }

  /** Alice fetches bob's bundle, verifies it against the CA herself, and seals for the key inside. */
  static byte[] sealForBobAsAliceWouldViaTheDirectory() throws Exception {
    byte[] bobs = clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity("bob").build())
        .getSignedBundle().toByteArray();
    KeyBundle verified = new BundleVerifier(server.pki.caCertificate(), Clock.systemUTC()).verify(bobs, "bob");
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    var s = Envelope.seal(buf, "alice", Users.keys("alice"), java.util.List.of(verified.recipientKey()),
        new dev.sealdrop.envelope.FileMetadata("clients.csv", plaintext.length, "text/csv", java.time.Instant.now()));
    s.write(plaintext);
    s.close();
    return buf.toByteArray();
  }

  static CreateGrantResponse grantToBob() {
    return Transfers.grant(clients, "alice", file.getFileId(), "bob");
  }

  static RedeemResponse redeem(String user, String token) {
    return clients.transfer(user).redeem(RedeemRequest.newBuilder().setToken(token).build());
  }

  @Test
  void theWholePath() throws Exception {
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesList())
        .anySatisfy(f -> assertThat(f.getFileId()).isEqualTo(file.getFileId()));
    CreateGrantResponse created = grantToBob();
    Grant g = created.getGrant();
    assertThat(created.getToken()).startsWith("sdg_");
    assertThat(g.getState()).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
    assertThat(g.getMaxDownloads()).isEqualTo(1);
    assertThat(g.getExpiresAtMillis() - g.getCreatedAtMillis()).isEqualTo(Duration.ofHours(72).toMillis());

    assertThat(clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsList())
        .anySatisfy(i -> {
          assertThat(i.getGrantId()).isEqualTo(g.getGrantId());
          assertThat(i.getOwner()).isEqualTo("alice");
          assertThat(i.getSize()).isEqualTo(envelope.length);
          assertThat(i.getState()).isEqualTo(GrantState.GRANT_STATE_ACTIVE);
        });

    RedeemResponse claim = redeem("bob", created.getToken());
    byte[] got = Transfers.download(clients.transfer("bob"), claim.getClaimId(), 0);
    assertThat(got).isEqualTo(envelope);
    KeyBundle alices = KeyBundle.decode(clients.keys("bob").fetchBundle(FetchBundleRequest.newBuilder()
        .setIdentity("alice").build()).getSignedBundle().toByteArray());
    OpenedFile opened = Envelope.openToFile(new ByteArrayInputStream(got), Users.keys("bob"),
        SenderPolicy.exactly("alice", alices.verifyingKey()), out.resolve("clients.csv"));
    assertThat(Files.readAllBytes(opened.path())).isEqualTo(plaintext);
    Transfers.confirm(clients, "bob", claim.getClaimId(), opened.fingerprint());

    refused(() -> redeem("bob", created.getToken()), Status.Code.FAILED_PRECONDITION, "GRANT_CONSUMED");
    assertThat(clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList())
        .anySatisfy(x -> {
          assertThat(x.getGrantId()).isEqualTo(g.getGrantId());
          assertThat(x.getState()).isEqualTo(GrantState.GRANT_STATE_CONSUMED);
          assertThat(x.getDownloadsUsed()).isEqualTo(1);
        });
  }

  @Test
  void daveRedeemingBobsGrantWithBobsTokenIsDeniedAndConsumesNothing() {
    CreateGrantResponse created = grantToBob();
    try (dev.sealdrop.server.testing.CapturedLog log = dev.sealdrop.server.testing.CapturedLog.ofRoot()) {
      for (int i = 0; i < 3; i++) {
        refused(() -> redeem("dave", created.getToken()), Status.Code.PERMISSION_DENIED, "NOT_RECIPIENT");
      }
      // the token in the wrong hands is named, once a minute per caller and grant (round BB: a loop of it wrote a
      // WARN line per call)
      assertThat(log.messages()).filteredOn(l -> l.contains("by 'dave' refused: it is addressed to 'bob'")).hasSize(1);
    }
    assertThat(redeem("bob", created.getToken()).getClaimId()).startsWith("sdc_");
  }

  @Test
  void aTransferorMayNotRedeem() {
    CreateGrantResponse created = grantToBob();
    refused(() -> redeem("alice", created.getToken()), Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
  }

  @Test
  void anExpiredGrantIsRefusedAsExpiredAndTheRefusalIsAuditedWithTheGrant() throws Exception {
    CreateGrantResponse created = grantToBob();
    server.clock.advance(Duration.ofHours(72).plusSeconds(1));
    try {
      refused(() -> redeem("bob", created.getToken()), Status.Code.FAILED_PRECONDITION, "GRANT_EXPIRED");
      // expiry is no act, so it has no record when it passes: the refused redeem is the observable event
      String grantId = created.getGrant().getGrantId();
      assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
        assertThat(r.action()).isEqualTo("grant.redeem");
        assertThat(r.actor()).isEqualTo("bob");
        assertThat(r.object()).isEqualTo("grant:" + grantId);
        assertThat(r.result()).isEqualTo("grant-expired");
        assertThat(r.details()).containsEntry("grant-id", grantId).containsEntry("file-id", file.getFileId());
      });
      assertThat(clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsList())
          .filteredOn(x -> x.getGrantId().equals(created.getGrant().getGrantId()))
          .singleElement().extracting(Grant::getState).isEqualTo(GrantState.GRANT_STATE_EXPIRED);
    } finally {
      server.clock.advance(Duration.ofHours(-72).minusSeconds(1));
    }
  }

  @Test
  void anExpiredGrantCannotBeRevokedAndStaysExpired() {
    CreateGrantResponse created = grantToBob();
    String grantId = created.getGrant().getGrantId();
    server.clock.advance(Duration.ofHours(72).plusSeconds(1));
    try {
      refused(() -> clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(grantId).build()),
          Status.Code.FAILED_PRECONDITION, "GRANT_EXPIRED");
      assertThat(clients.transfer("alice").listGrants(ListGrantsRequest.getDefaultInstance()).getGrantsList())
          .filteredOn(x -> x.getGrantId().equals(grantId))
          .singleElement().extracting(Grant::getState).isEqualTo(GrantState.GRANT_STATE_EXPIRED);
    } finally {
      server.clock.advance(Duration.ofHours(-72).minusSeconds(1));
    }
    // the clock back before its expiry: the row was left ACTIVE, not REVOKED
    assertThat(clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(grantId).build())
        .getGrant().getState()).isEqualTo(GrantState.GRANT_STATE_REVOKED);
  }

  @Test
  void aRevokedGrantIsRefusedAsRevoked() {
    CreateGrantResponse created = grantToBob();
    Grant revoked = clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(created.getGrant().getGrantId()).build()).getGrant();
    assertThat(revoked.getState()).isEqualTo(GrantState.GRANT_STATE_REVOKED);
    refused(() -> redeem("bob", created.getToken()), Status.Code.FAILED_PRECONDITION, "GRANT_REVOKED");
  }

  @Test
  void aClaimedGrantIsRefusedAsClaimedSayingWhenTheClaimEnds() {
    CreateGrantResponse created = grantToBob();
    RedeemResponse claim = redeem("bob", created.getToken());
    // rounded up to the second, so that a retry at the time shown is never too early
    java.time.Instant ends = java.time.Instant.ofEpochMilli(claim.getClaimExpiresAtMillis() + 999)
        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    assertThat(refused(() -> redeem("bob", created.getToken()), Status.Code.FAILED_PRECONDITION, "GRANT_CLAIMED")
        .getStatus().getDescription()).contains("resume that download with its claim id, or retry after its window"
            + " ends at " + ends);
  }

  @Test
  void redeemTellsWhichRecipientKeysTheFileIsSealedFor() {
    RedeemResponse r = redeem("bob", grantToBob().getToken());
    assertThat(r.getRecipientKeyFingerprintsList())
        .containsExactly(Users.keys("bob").publicKeys().encryption().fingerprint());
  }

  @Test
  void unknownAndMalformedTokensAreRefused() {
    refused(() -> redeem("bob", "sdg_" + "A".repeat(43)), Status.Code.NOT_FOUND, "NOT_FOUND");
    refused(() -> redeem("bob", "let me in"), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
  }

  @Test
  void anUploadForARecipientNoGrantCouldReachIsRefusedBeforeAnyByteWithTheGrantsReason() {
    int filesBefore = clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
    for (String[] refusal : new String[][] {{"carol", "FAILED_PRECONDITION", "RECIPIENT_NOT_ACQUIRER"},
        {"alice", "FAILED_PRECONDITION", "RECIPIENT_NOT_ACQUIRER"}, {"nobody", "NOT_FOUND", "NOT_FOUND"}}) {
      Status.Code code = Status.Code.valueOf(refusal[1]);
      // the same rule answers CreateUpload and CreateGrant alike
      refused(() -> clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder()
          .addIntendedRecipients("bob").addIntendedRecipients(refusal[0]).build()), code, refusal[2]);
      refused(() -> Transfers.grant(clients, "alice", file.getFileId(), refusal[0]), code, refusal[2]);
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount())
        .isEqualTo(filesBefore);
    // an acquirer, or no stated recipient (the SFTP door's uploads), starts an upload as before
    assertThat(clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder().addIntendedRecipients("bob")
        .build()).getUploadId()).startsWith("up_");
    assertThat(clients.transfer("alice").createUpload(CreateUploadRequest.getDefaultInstance()).getUploadId())
        .startsWith("up_");
  }

  /**
   * Round CN: `send --downloads 11` uploaded the whole file before the grant was refused for a count the server does
   * not allow. Terms an upload states are refused by the rule CreateGrant applies, before any byte is sent.
   */
  @Test
  void anUploadForAGrantOfTermsTheServerRefusesIsRefusedBeforeAnyByteWithTheGrantsWords() {
    int filesBefore = clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount();
    long tooLong = Duration.ofDays(31).plusHours(12).toSeconds();
    for (int[] terms : new int[][] {{0, 11}, {0, -1}, {-5, 1}}) {
      String upload = refused(() -> clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder()
          .addIntendedRecipients("bob").setIntendedExpiresInSeconds(terms[0]).setIntendedMaxDownloads(terms[1])
          .build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST").getStatus().getDescription();
      if (terms[0] >= 0 && terms[1] >= 0) { // CreateGrant's door refuses negative values in words of its own
        String grant = refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
            .setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(terms[0]).setMaxDownloads(terms[1])
            .build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST").getStatus().getDescription();
        assertThat(upload).as("the same rule, the same words").isEqualTo(grant);
      } else {
        assertThat(upload).startsWith("a grant ");
      }
    }
    assertThat(refused(() -> clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder()
        .setIntendedExpiresInSeconds(tooLong).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST").getStatus()
        .getDescription()).isEqualTo("a grant lives 1s to 30d (2592000 s) on this server; asked for 31d12h (2721600 s)");
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance()).getFilesCount())
        .isEqualTo(filesBefore);
    // terms within the limits start an upload as before
    assertThat(clients.transfer("alice").createUpload(CreateUploadRequest.newBuilder().addIntendedRecipients("bob")
        .setIntendedExpiresInSeconds(3600).setIntendedMaxDownloads(10).build()).getUploadId()).startsWith("up_");
  }

  @Test
  void grantsGoOnlyToRegisteredAcquirersWithinTheLimits() throws Exception {
    assertThat(refused(() -> Transfers.grant(clients, "alice", file.getFileId(), "carol"),
        Status.Code.FAILED_PRECONDITION, "RECIPIENT_NOT_ACQUIRER").getStatus().getDescription())
        .contains("'carol' is an admin; only acquirers can receive grants");
    refused(() -> Transfers.grant(clients, "alice", file.getFileId(), "nobody"), Status.Code.NOT_FOUND, "NOT_FOUND");
    // in the units a person gives --expires in, the seconds beside them
    assertThat(refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(file.getFileId()).setRecipient("bob").setExpiresInSeconds(Duration.ofDays(31).plusHours(12)
            .toSeconds()).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST").getStatus().getDescription())
        .isEqualTo("a grant lives 1s to 30d (2592000 s) on this server; asked for 31d12h (2721600 s)");
    refused(() -> Transfers.grant(clients, "alice", "f_" + "0".repeat(32), "bob"), Status.Code.NOT_FOUND,
        "NOT_FOUND");
    refused(() -> Transfers.grant(clients, "bob", file.getFileId(), "dave"), Status.Code.PERMISSION_DENIED,
        "ROLE_FORBIDDEN");
    // review DN: negative terms are the core's refusal, after the role check, and recorded
    refused(() -> clients.transfer("bob").createGrant(CreateGrantRequest.newBuilder().setFileId(file.getFileId())
        .setRecipient("dave").setExpiresInSeconds(-1).build()), Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
    assertThat(refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder()
        .setFileId(file.getFileId()).setRecipient("bob").setMaxDownloads(-1).build()), Status.Code.INVALID_ARGUMENT,
        "INVALID_REQUEST").getStatus().getDescription()).contains("asked for -1");
    assertThat(server.server().audit().tail(20)).filteredOn(r -> r.action().equals("grant.create")
        && r.actor().equals("alice")).last().satisfies(r -> assertThat(r.result()).isNotEqualTo("ok"));
  }

  @Test
  void aFileNotSealedForTheRecipientsPublishedKeyIsRefusedAtGrantNotAtRedeem() throws Exception {
    UploadResponse forDave = Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(2000, 13), "dave")
        .bytes());
    String bobsKey = Users.keys("bob").publicKeys().encryption().fingerprint();
    String message = refused(() -> Transfers.grant(clients, "alice", forDave.getFileId(), "bob"),
        Status.Code.FAILED_PRECONDITION, "NOT_SEALED_FOR_RECIPIENT").getStatus().getDescription();
    assertThat(message).contains(forDave.getFileId()).contains(bobsKey).contains("seal the file again")
        .contains("sealdrop send FILE --to bob");
    assertThat(clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()).getGrantsList())
        .noneMatch(g -> g.getFileId().equals(forDave.getFileId()));
    assertThat(server.server().audit().tail(20)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("grant.create");
      assertThat(r.object()).isEqualTo("file:" + forDave.getFileId());
      assertThat(r.result()).isEqualTo("not-sealed-for-recipient");
    });
    // the identity it is sealed for gets it
    assertThat(Transfers.grant(clients, "alice", forDave.getFileId(), "dave").getToken()).startsWith("sdg_");
    // a recipient who published no bundle is not checked: the file may be sealed for keys exchanged another way
    server.pki.issue(dev.sealdrop.certsdev.CertSpec.client("gf-nokeys"));
    server.server().identities().registerAll(java.util.Map.of("gf-nokeys",
        dev.sealdrop.server.core.identity.Role.ACQUIRER));
    assertThat(Transfers.grant(clients, "alice", forDave.getFileId(), "gf-nokeys").getToken()).startsWith("sdg_");
  }

  @Test
  void revokingCutsADownloadInProgress() {
    // more than the client lets the server send ahead unread (its flow-control window, which gRPC grows up to
    // 8 MiB): with 6 MiB the server sometimes sent everything before the cut and the stream ended OK
    byte[] big = Users.seal("alice", Users.randomBytes(24 << 20, 11), "bob").bytes();
    UploadResponse f = Transfers.upload(clients, "alice", big);
    CreateGrantResponse created = Transfers.grant(clients, "alice", f.getFileId(), "bob");
    RedeemResponse claim = redeem("bob", created.getToken());
    var it = clients.transfer("bob").download(dev.sealdrop.protocol.v1.DownloadRequest.newBuilder()
        .setClaimId(claim.getClaimId()).build());
    assertThat(it.next().getOffset()).isZero();
    clients.transfer("alice").revokeGrant(RevokeGrantRequest.newBuilder()
        .setGrantId(created.getGrant().getGrantId()).build());
    long[] received = {0};
    refused(() -> it.forEachRemaining(r -> received[0] += r.getData().size()), Status.Code.FAILED_PRECONDITION,
        "GRANT_REVOKED");
    assertThat(received[0]).as("the stream stopped well before the end").isLessThan(big.length - (1 << 20));
  }

  @Test
  void disablingTheRecipientCutsItsDownloadInProgress() throws Exception {
    server.pki.issue(dev.sealdrop.certsdev.CertSpec.client("gf-live"));
    server.server().identities().registerAll(java.util.Map.of("gf-live",
        dev.sealdrop.server.core.identity.Role.ACQUIRER));
    // more than the client lets the server send ahead unread (its flow-control window, which gRPC grows up to
    // 8 MiB): with 6 MiB the server sometimes sent everything before the cut and the stream ended OK
    byte[] big = Users.seal("alice", Users.randomBytes(24 << 20, 12), "bob").bytes();
    UploadResponse f = Transfers.upload(clients, "alice", big);
    CreateGrantResponse created = Transfers.grant(clients, "alice", f.getFileId(), "gf-live");
    RedeemResponse claim = redeem("gf-live", created.getToken());
    var it = clients.transfer("gf-live").download(dev.sealdrop.protocol.v1.DownloadRequest.newBuilder()
        .setClaimId(claim.getClaimId()).build());
    assertThat(it.next().getOffset()).isZero();
    server.server().identities().setEnabled("gf-live", false);
    Thread.sleep(1100); // the live identity re-check runs at most once a second (real time, not grant time)
    long[] received = {0};
    refused(() -> it.forEachRemaining(r -> received[0] += r.getData().size()), Status.Code.UNAUTHENTICATED,
        "IDENTITY_DISABLED");
    assertThat(received[0]).isLessThan(big.length - (1 << 20));
  }

  @Test
  void theDatabaseHoldsOnlyHashesOfTokensAndClaimIds() throws Exception {
    CreateGrantResponse created = grantToBob();
    RedeemResponse claim = redeem("bob", created.getToken());
    StringBuilder db = new StringBuilder();
    try (var files = Files.list(data)) {
      for (Path p : files.filter(p -> p.getFileName().toString().startsWith("sealdrop.db")).toList()) {
        db.append(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    }
    String tokenHash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
        .digest(created.getToken().getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    assertThat(db).contains(tokenHash);
    assertThat(db.indexOf(created.getToken().substring(4))).as("the token itself is never stored").isEqualTo(-1);
    assertThat(db.indexOf(claim.getClaimId().substring(4))).as("the claim id itself is never stored").isEqualTo(-1);
  }

  /**
   * A refusal quotes what the caller sent; an absurdly long id must still reach the client as that
   * refusal (a bounded description), not as INTERNAL "http2 exception" from an oversized trailer.
   */
  @Test
  void anOverlongIdIsRefusedWithItsOwnStatusAndABoundedDescription() {
    String longId = "f_" + "0".repeat(20_000);
    // a malformed id is a malformed request that names the field, without repeating the value
    io.grpc.StatusRuntimeException e = refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest
        .newBuilder().setFileId(longId).setRecipient("bob").build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(e.getStatus().getDescription()).hasSizeLessThanOrEqualTo(1000).startsWith("file_id is malformed");
    refused(() -> clients.transfer("alice").getUpload(dev.sealdrop.protocol.v1.GetUploadRequest.newBuilder()
        .setUploadId(longId).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    // nor is an overlong name: it is not an identity name, and the refusal says why without repeating it
    e = refused(() -> clients.transfer("alice").createGrant(CreateGrantRequest.newBuilder().setFileId(file.getFileId())
        .setRecipient("b".repeat(20_000)).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(e.getStatus().getDescription()).hasSizeLessThanOrEqualTo(1000)
        .startsWith("recipient is malformed (it has 20000 characters)").doesNotContain("bbb");
  }
}
