package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The generated chain: who verifies against which CA, and with which EKU, names and validity. */
class DevPkiChainTest {

  static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  @TempDir static Path dir;
  static DevPki pki;

  @BeforeAll
  static void generate() {
    pki = DevPki.loadOrCreate(dir);
  }

  @Test
  void malloryDoesNotVerifyAgainstTheDevCa() {
    assertThatThrownBy(() -> Pkix.validate(pki.certificate("mallory"), pki.caCertificate(), Instant.now()))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void malloryIsAWellFormedClientOfTheForeignCa() throws Exception {
    X509Certificate mallory = pki.certificate("mallory");
    Pkix.validate(mallory, pki.foreignCaCertificate(), Instant.now());
    assertThat(mallory.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(mallory.getSubjectX500Principal()).isEqualTo(new X500Principal("CN=mallory"));
    assertThat(pki.foreignCaCertificate().getSubjectX500Principal())
        .isNotEqualTo(pki.caCertificate().getSubjectX500Principal());
  }

  @Test
  void devCertificatesDoNotVerifyAgainstTheForeignCa() {
    assertThatThrownBy(() -> Pkix.validate(pki.certificate("alice"), pki.foreignCaCertificate(), Instant.now()))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void clientCertificatesAreRejectedOutsideTheirValidity() {
    X509Certificate alice = pki.certificate("alice");
    Instant afterExpiry = alice.getNotAfter().toInstant().plusSeconds(1);
    Instant beforeStart = alice.getNotBefore().toInstant().minusSeconds(1);
    assertThatThrownBy(() -> Pkix.validate(alice, pki.caCertificate(), afterExpiry))
        .isInstanceOf(CertPathValidatorException.class);
    assertThatThrownBy(() -> Pkix.validate(alice, pki.caCertificate(), beforeStart))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"alice", "bob", "carol", "dave"})
  void eachDevClientVerifiesAgainstTheDevCaWithClientAuthOnly(String name) throws Exception {
    X509Certificate cert = pki.certificate(name);
    Pkix.validate(cert, pki.caCertificate(), Instant.now());
    assertThat(cert.getSubjectX500Principal()).isEqualTo(new X500Principal("CN=" + name));
    assertThat(cert.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isFalse();
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
    Duration lifetime = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
    assertThat(lifetime).isBetween(Duration.ofDays(365), Duration.ofDays(366));
    assertThat(cert.getNotBefore().toInstant()).isBefore(Instant.now());
    assertThat(cert.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(364)));
  }

  @Test
  void theServerCertificateNamesLocalhostAndIsServerAuthOnly() throws Exception {
    X509Certificate server = pki.certificate(DevPki.SERVER);
    Pkix.validate(server, pki.caCertificate(), Instant.now());
    assertThat(server.getSubjectX500Principal()).isEqualTo(new X500Principal("CN=localhost"));
    assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    Collection<List<?>> sans = server.getSubjectAlternativeNames();
    assertThat(sans).containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(7, "127.0.0.1"),
        List.of(7, "0:0:0:0:0:0:0:1"));
  }

  @Test
  void theCaIsACaAndOnlySignsCertificates() throws Exception {
    X509Certificate ca = pki.caCertificate();
    ca.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).isEqualTo(0);
    assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
    boolean[] keyUsage = ca.getKeyUsage();
    assertThat(keyUsage[5]).as("keyCertSign").isTrue();
    assertThat(keyUsage[6]).as("cRLSign").isTrue();
    assertThat(keyUsage[0]).as("digitalSignature").isFalse();
    assertThat(ca.getSubjectX500Principal().getName()).contains("development");
  }

  @Test
  void rolesCoverTheTrustedUsersAndNotMallory() {
    assertThat(DevPki.devRoles()).containsExactly(
        java.util.Map.entry("alice", "transferor"), java.util.Map.entry("bob", "acquirer"),
        java.util.Map.entry("carol", "admin"), java.util.Map.entry("dave", "acquirer"));
    assertThat(DevPki.USERS).containsExactly("alice", "bob", "carol", "dave", "mallory");
  }
}
