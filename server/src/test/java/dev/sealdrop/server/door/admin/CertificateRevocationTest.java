package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.causes;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.testing.OneServerPerMethod;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Revoking one certificate of an identity by its serial ({@code admin identities revoke NAME
 * --certificate SERIAL}) revokes a certificate of that identity only: a serial given under another
 * name locks nobody else out, and an admin cannot revoke its own certificate under any name.
 */
class CertificateRevocationTest extends OneServerPerMethod {
  static String serial(X509Certificate cert) {
    return cert.getSerialNumber().toString(16);
  }

  IdentityInfo listed(String name) {
    return admins.admin("carol").listIdentities(ListIdentitiesRequest.getDefaultInstance()).getIdentitiesList()
        .stream().filter(i -> i.getIdentity().equals(name)).findFirst().orElseThrow();
  }

  static RevokeIdentityRequest revoke(String name, String serial) {
    return RevokeIdentityRequest.newBuilder().setIdentity(name).setCertificateSerial(serial).setReason("test").build();
  }

  static void callWorks(ManagedChannel ch) {
    assertThat(TransferServiceGrpc.newBlockingStub(ch).listInbox(ListInboxRequest.getDefaultInstance())).isNotNull();
  }

  /**
   * bob's serial given under dave's name: the server knows it as bob's (it authenticated as bob), so nothing is
   * revoked (CERTIFICATE_OF_ANOTHER_IDENTITY), and bob and dave both stay connected.
   */
  @Test
  void anotherIdentitysSerialGivenUnderDavesNameIsRefusedAndLocksNobodyOut() {
    ManagedChannel bobOpen = clients.channel("bob");
    callWorks(bobOpen);
    String bobSerial = serial(server.pki.certificate("bob"));

    refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", bobSerial)), Status.Code.FAILED_PRECONDITION,
        "CERTIFICATE_OF_ANOTHER_IDENTITY");

    // bob: his open connection and a new handshake both still work
    callWorks(bobOpen);
    callWorks(clients.channel("bob"));
    IdentityInfo bob = listed("bob");
    assertThat(bob.getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    assertThat(bob.getRevokedCertificateSerialsList()).isEmpty();
    assertThat(listed("dave").getRevokedCertificateSerialsList()).isEmpty();
    callWorks(clients.channel("dave"));
    assertThat(listed("dave").getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
  }

  /**
   * A serial the server knows as another identity's certificate (it signed that identity's key bundle) is refused
   * under dave's name, naming whose it is and the command that revokes it: revoked under dave it would have stopped
   * nothing while the admin believed it stopped. Under its owner's name it is revoked, and said to be known.
   */
  @Test
  void aSerialKnownAsAnotherIdentitysBundleSignerIsRefusedUnderDavesNameAndNothingIsRevoked() {
    IssuedCert erins = server.pki.issue(CertSpec.client("cr-erin"));
    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("cr-erin")
        .setRole(Role.ROLE_TRANSFEROR).build());
    publish(erins, bundle("cr-erin", erins, dev.sealdrop.keys.PrivateKeys.generate()));
    String erinSerial = serial(erins.certificate());
    String shown = dev.sealdrop.server.core.identity.CertificatePolicy.shown(erinSerial);

    StatusRuntimeException e = refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", erinSerial)),
        Status.Code.FAILED_PRECONDITION, "CERTIFICATE_OF_ANOTHER_IDENTITY");

    assertThat(e.getStatus().getDescription()).contains("certificate serial " + shown + " is not one of 'dave': it is"
        + " a certificate of 'cr-erin' (it authenticated as 'cr-erin', first at ").contains("; it signed the key bundle"
        + " 'cr-erin' published); nothing was revoked")
        .endsWith("To revoke it: sealdrop admin identities revoke cr-erin --certificate " + shown);
    assertThat(listed("dave").getRevokedCertificateSerialsList()).isEmpty();
    callWorks(clients.channel("dave"));
    List<AuditEntry> refusals = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build())
        .getEntriesList().stream().filter(a -> a.getAction().equals("admin.certificate.revoke")).toList();
    assertThat(refusals).extracting(AuditEntry::getResult).containsExactly("certificate-of-another-identity");

    var revoked = admins.admin("carol").revokeIdentity(revoke("cr-erin", erinSerial));
    assertThat(revoked.getCertificateSeenAsList()).hasSize(2).contains("it signed the key bundle 'cr-erin' published")
        .anySatisfy(w -> assertThat(w).startsWith("it authenticated as 'cr-erin', first at "));
    assertThat(revoked.getIdentity().getRevokedCertificateSerialsList()).containsExactly(erinSerial);
    assertThat(revoked.getAlreadyRevoked()).isFalse();
    // a repeat changes nothing, and its record says so (outside test: it read as a second revocation)
    assertThat(admins.admin("carol").revokeIdentity(revoke("cr-erin", erinSerial)).getAlreadyRevoked()).isTrue();
    assertThat(admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build()).getEntriesList()
        .stream().filter(a -> a.getAction().equals("admin.certificate.revoke") && a.getResult().equals("ok")).toList())
        .extracting(a -> a.getDetailsMap().get("changed")).containsExactly("true", "false");
  }

  /** The certificate through which an identity registered an SSH key is known as that identity's too. */
  @Test
  void aSerialKnownAsTheRegistrarOfAnotherIdentitysSshKeyIsRefusedUnderDavesName() throws Exception {
    java.security.KeyPair kp = org.apache.sshd.common.config.keys.KeyUtils.generateKeyPair(
        org.apache.sshd.common.keyprovider.KeyPairProvider.SSH_ED25519, 256);
    String fingerprint = dev.sealdrop.protocol.v1.SshKeysGrpc.newBlockingStub(clients.channel("bob"))
        .addSshKey(dev.sealdrop.protocol.v1.AddSshKeyRequest.newBuilder()
            .setPublicKey(org.apache.sshd.common.config.keys.PublicKeyEntry.toString(kp.getPublic()) + " bob@laptop")
            .build()).getKey().getFingerprint();
    String bobSerial = serial(server.pki.certificate("bob"));

    StatusRuntimeException e = refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", bobSerial)),
        Status.Code.FAILED_PRECONDITION, "CERTIFICATE_OF_ANOTHER_IDENTITY");

    assertThat(e.getStatus().getDescription()).contains("it is a certificate of 'bob' (")
        .contains("it registered the SSH key " + fingerprint + " of 'bob')");
    assertThat(listed("dave").getRevokedCertificateSerialsList()).isEmpty();
  }

  /**
   * A certificate that only authenticated (its owner renewed since, so it signs no bundle and registered no key) is
   * still known as its owner's: the renewed-from serial given under the wrong name was revoked there and stopped
   * nothing (outside test).
   */
  @Test
  void aSerialThatOnlyAuthenticatedAsAnotherIdentityIsRefusedUnderDavesName() {
    IssuedCert old = server.pki.issue(CertSpec.client("bob"));
    callWorks(clients.channel(old.privateKey(), old.certificate()));
    String oldSerial = serial(old.certificate());

    StatusRuntimeException e = refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", oldSerial)),
        Status.Code.FAILED_PRECONDITION, "CERTIFICATE_OF_ANOTHER_IDENTITY");

    assertThat(e.getStatus().getDescription()).contains("it is a certificate of 'bob' (it authenticated as 'bob',"
        + " first at ");
    callWorks(clients.channel(old.privateKey(), old.certificate()));
  }

  /**
   * A serial the server has seen nowhere (a stolen certificate never used here) is revoked ahead under the name given,
   * and the answer says the server had not seen it.
   */
  @Test
  void aSerialSeenNowhereIsRevokedAheadAndTheAnswerSaysItWasNotSeen() {
    var ahead = admins.admin("carol").revokeIdentity(revoke("dave", "1f3a9c"));
    assertThat(ahead.getCertificateSeenAsList()).isEmpty();
    assertThat(ahead.getIdentity().getRevokedCertificateSerialsList()).containsExactly("1f3a9c");
  }

  @Test
  void anAdminCannotRevokeItsOwnCertificateUnderAnyName() {
    String carolSerial = serial(server.pki.certificate("carol"));

    StatusRuntimeException e = refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", carolSerial)),
        Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED");
    assertThat(e.getStatus().getDescription()).contains("cannot revoke itself");
    // the same serial written otherwise (upper case, leading zeros) is the same certificate
    refused(() -> admins.admin("carol").revokeIdentity(revoke("alice", "00" + carolSerial.toUpperCase(Locale.ROOT))),
        Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED");
    assertThat(refused(() -> admins.admin("carol").revokeIdentity(revoke("carol", carolSerial)),
        Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED").getStatus().getDescription())
        .contains("is the one you are connected with");

    // nothing changed: carol still gets in (a new handshake), nobody has a revoked serial
    assertThat(listed("carol").getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    assertThat(listed("carol").getRevokedCertificateSerialsList()).isEmpty();
    assertThat(listed("dave").getRevokedCertificateSerialsList()).isEmpty();
    assertThat(listed("alice").getRevokedCertificateSerialsList()).isEmpty();
    // and the refusal is audited like every refused admin act
    List<AuditEntry> revokes = admins.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(50).build())
        .getEntriesList().stream().filter(a -> a.getAction().equals("admin.certificate.revoke")).toList();
    assertThat(revokes).extracting(AuditEntry::getObject)
        .containsExactly("identity:dave", "identity:alice", "identity:carol");
    assertThat(revokes).extracting(AuditEntry::getActor).containsOnly("carol");
    assertThat(revokes).extracting(AuditEntry::getResult).containsOnly("self-action-refused");
  }

  /**
   * Review ED: an admin could not revoke any certificate under its own name, so that a sole admin whose laptop (and
   * certificate) was stolen, renewed to another certificate, could not revoke the stolen one: its thief stayed admin
   * until it expired. Its other certificates are its to revoke; the one it is connected with is not.
   */
  @Test
  void anAdminRevokesItsOwnOtherCertificateButNotTheOneItUses() {
    X509Certificate original = server.pki.certificate("carol");
    java.security.PrivateKey originalKey = server.pki.privateKey("carol");
    String stolen = serial(original);
    IssuedCert renewed = server.pki.issue(CertSpec.client("carol")); // (the dev PKI's carol from now on)
    var fromRenewed = admins.admin(renewed.privateKey(), renewed.certificate());
    IdentityInfo after = fromRenewed.revokeIdentity(revoke("carol", stolen)).getIdentity();
    assertThat(after.getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    assertThat(after.getRevokedCertificateSerialsList()).containsExactly(stolen);
    StatusRuntimeException handshake = catchThrowableOfType(StatusRuntimeException.class,
        () -> admins.admin(originalKey, original).listIdentities(ListIdentitiesRequest.getDefaultInstance()));
    assertThat(handshake).as("the stolen certificate no longer gets in").isNotNull();
    assertThat(causes(handshake)).contains("certificate_revoked");
    assertThat(refused(() -> fromRenewed.revokeIdentity(revoke("carol", serial(renewed.certificate()))),
        Status.Code.FAILED_PRECONDITION, "SELF_ACTION_REFUSED").getStatus().getDescription())
        .contains("is the one you are connected with");
    assertThat(fromRenewed.listIdentities(ListIdentitiesRequest.getDefaultInstance()).getIdentitiesList()).isNotEmpty();
  }

  @Test
  void aCertificateOfTheNamedIdentityIsRevokedAndOnlyThatOne() {
    // two certificates of one identity (same CN, different serials)
    IssuedCert first = server.pki.issue(CertSpec.client("cr-twin"));
    IssuedCert second = server.pki.issue(CertSpec.client("cr-twin"));
    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("cr-twin")
        .setRole(Role.ROLE_ACQUIRER).build());
    ManagedChannel firstOpen = clients.channel(first.privateKey(), first.certificate());
    callWorks(firstOpen);

    IdentityInfo after = admins.admin("carol").revokeIdentity(revoke("cr-twin",
        serial(first.certificate()).toUpperCase(Locale.ROOT))).getIdentity();

    assertThat(after.getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    assertThat(after.getRevokedCertificateSerialsList()).containsExactly(serial(first.certificate()));
    // the revoked certificate: refused on its open connection and at a new handshake
    refused(() -> TransferServiceGrpc.newBlockingStub(firstOpen).listInbox(ListInboxRequest.getDefaultInstance()),
        Status.Code.UNAUTHENTICATED, "CERTIFICATE_REVOKED");
    StatusRuntimeException handshake = catchThrowableOfType(StatusRuntimeException.class,
        () -> callWorks(clients.channel(first.privateKey(), first.certificate())));
    assertThat(handshake).isNotNull();
    assertThat(handshake.getStatus().getCode()).as(causes(handshake)).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(causes(handshake)).contains("certificate_revoked");
    // the identity's other certificate still works
    callWorks(clients.channel(second.privateKey(), second.certificate()));
  }

  @Test
  void aBundleSignedWithARevokedCertificateIsNoLongerServedNorUsedForUploads() {
    // a transferor's own certificate, and a second one of the same identity (stolen, say) with
    // which the thief publishes its own keys as that identity's bundle
    IssuedCert own = server.pki.issue(CertSpec.client("cr-seller"));
    IssuedCert stolen = server.pki.issue(CertSpec.client("cr-seller"));
    admins.admin("carol").addIdentity(AddIdentityRequest.newBuilder().setIdentity("cr-seller")
        .setRole(Role.ROLE_TRANSFEROR).build());
    byte[] thiefBundle = bundle(stolen, dev.sealdrop.keys.PrivateKeys.generate());
    publish(stolen, thiefBundle);
    FetchBundleRequest sellers = FetchBundleRequest.newBuilder().setIdentity("cr-seller").build();
    assertThat(clients.keys("bob").fetchBundle(sellers).getSignedBundle().toByteArray()).isEqualTo(thiefBundle);

    admins.admin("carol").revokeIdentity(revoke("cr-seller", serial(stolen.certificate())));

    // bob verifies bundles against the CA, which knows nothing of the revocation: the server must not serve it
    StatusRuntimeException e = refused(() -> clients.keys("bob").fetchBundle(sellers), Status.Code.NOT_FOUND,
        "NOT_FOUND");
    assertThat(e.getStatus().getDescription()).contains("revoked");
    // the owner, with her own certificate, cannot upload against the thief's keys either: she publishes again
    TransferServiceGrpc.TransferServiceBlockingStub owner = TransferServiceGrpc.newBlockingStub(
        clients.channel(own.privateKey(), own.certificate()));
    CreateUploadRequest upload = CreateUploadRequest.newBuilder().setExpectedSize(100).build();
    refused(() -> owner.createUpload(upload), Status.Code.FAILED_PRECONDITION, "BUNDLE_REQUIRED");
    byte[] ownBundle = bundle(own, dev.sealdrop.keys.PrivateKeys.generate());
    publish(own, ownBundle);
    assertThat(clients.keys("bob").fetchBundle(sellers).getSignedBundle().toByteArray()).isEqualTo(ownBundle);
    assertThat(owner.createUpload(upload).getUploadId()).startsWith("up_");
  }

  /** A bundle of cr-seller's, signed with {@code cert}. */
  byte[] bundle(IssuedCert cert, dev.sealdrop.keys.PrivateKeys keys) {
    return bundle("cr-seller", cert, keys);
  }

  /** A bundle of {@code identity}'s, signed with {@code cert}. */
  byte[] bundle(String identity, IssuedCert cert, dev.sealdrop.keys.PrivateKeys keys) {
    return dev.sealdrop.keys.KeyBundle.create(identity, keys.publicKeys(),
        java.time.Instant.now().plus(java.time.Duration.ofDays(30)), cert.privateKey(),
        List.of(cert.certificate(), server.pki.caCertificate())).encoded();
  }

  void publish(IssuedCert cert, byte[] bundle) {
    KeyDirectoryGrpc.newBlockingStub(clients.channel(cert.privateKey(), cert.certificate()))
        .publishBundle(PublishBundleRequest.newBuilder().setSignedBundle(ByteString.copyFrom(bundle)).build());
  }
}
