package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.causes;
import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Revoking one certificate of an identity by its serial ({@code admin identities revoke NAME
 * --certificate SERIAL}) revokes a certificate of that identity only: a serial given under another
 * name locks nobody else out, and an admin cannot revoke its own certificate under any name.
 */
class CertificateRevocationTest {
  @TempDir
  Path data;
  TestServer server;
  AdminClients admins;
  Clients clients;

  @BeforeEach
  void start() {
    server = new TestServer(data);
    admins = new AdminClients(server);
    clients = server.clients();
  }

  @AfterEach
  void stop() {
    admins.close();
    clients.close();
    server.close();
  }

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

  @Test
  void anotherIdentitysSerialRevokedUnderDavesNameLeavesThatIdentityConnected() {
    ManagedChannel bobOpen = clients.channel("bob");
    callWorks(bobOpen);
    String bobSerial = serial(server.pki.certificate("bob"));

    admins.admin("carol").revokeIdentity(revoke("dave", bobSerial));

    // bob: his open connection and a new handshake both still work
    callWorks(bobOpen);
    callWorks(clients.channel("bob"));
    IdentityInfo bob = listed("bob");
    assertThat(bob.getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
    assertThat(bob.getRevokedCertificateSerialsList()).isEmpty();
    // dave's own certificate has another serial: he is not affected either
    callWorks(clients.channel("dave"));
    assertThat(listed("dave").getState()).isEqualTo(IdentityState.IDENTITY_STATE_ACTIVE);
  }

  @Test
  void anAdminCannotRevokeItsOwnCertificateUnderAnyName() {
    String carolSerial = serial(server.pki.certificate("carol"));

    StatusRuntimeException e = refused(() -> admins.admin("carol").revokeIdentity(revoke("dave", carolSerial)),
        Status.Code.FAILED_PRECONDITION, "INVALID_REQUEST");
    assertThat(e.getStatus().getDescription()).contains("cannot revoke itself");
    // the same serial written otherwise (upper case, leading zeros) is the same certificate
    refused(() -> admins.admin("carol").revokeIdentity(revoke("alice", "00" + carolSerial.toUpperCase(Locale.ROOT))),
        Status.Code.FAILED_PRECONDITION, "INVALID_REQUEST");
    refused(() -> admins.admin("carol").revokeIdentity(revoke("carol", carolSerial)),
        Status.Code.FAILED_PRECONDITION, "INVALID_REQUEST");

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
    assertThat(revokes).extracting(AuditEntry::getResult).containsOnly("invalid-request");
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
}
