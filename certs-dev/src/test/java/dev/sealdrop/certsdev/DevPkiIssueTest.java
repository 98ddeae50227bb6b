package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bad certificates that negative tests elsewhere depend on really are bad in the stated way. */
class DevPkiIssueTest {

  @TempDir static Path dir;
  static DevPki pki;

  @BeforeAll
  static void generate() {
    pki = DevPki.loadOrCreate(dir);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../alice", "a/b", "Alice", "alice.crt", "", "ca", "foreign-ca", " x"})
  void namesThatAreNotPlainFileNamesAreRejected(String name) {
    assertThatThrownBy(() -> CertSpec.client(name)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pki.certFile(name)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anEmptyOrInvertedValidityIsRejected() {
    Instant now = Instant.now();
    assertThatThrownBy(() -> CertSpec.client("x").withValidity(now, now))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notAfter");
  }

  @Test
  void anExpiredCertificateFailsPkixButIsOtherwiseAGoodClient() throws Exception {
    Instant now = Instant.now();
    IssuedCert expired = pki.issue(CertSpec.client("expired")
        .withValidity(now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1))));
    assertThatThrownBy(() -> Pkix.validate(expired.certificate(), pki.caCertificate(), now))
        .isInstanceOf(CertPathValidatorException.class)
        .hasRootCauseInstanceOf(java.security.cert.CertificateExpiredException.class);
    Pkix.validate(expired.certificate(), pki.caCertificate(), now.minus(Duration.ofDays(2)));
    assertThat(expired.certificate().getExtendedKeyUsage()).containsExactly(DevPkiChainTest.CLIENT_AUTH);
  }

  @Test
  void aCertificateWithoutEkuHasNoEkuExtension() throws Exception {
    IssuedCert noEku = pki.issue(CertSpec.client("no-eku").withEku(Eku.NO_EXTENSION));
    assertThat(noEku.certificate().getExtendedKeyUsage()).isNull();
    assertThat(noEku.certificate().getExtensionValue("2.5.29.37")).isNull();
    Pkix.validate(noEku.certificate(), pki.caCertificate(), Instant.now());
  }

  @Test
  void anyExtendedKeyUsageIsTheOnlyEku() throws Exception {
    IssuedCert any = pki.issue(CertSpec.client("any-eku").withEku(Eku.ANY_EXTENDED_KEY_USAGE));
    assertThat(any.certificate().getExtendedKeyUsage()).containsExactly("2.5.29.37.0");
    Pkix.validate(any.certificate(), pki.caCertificate(), Instant.now());
  }

  @Test
  void clientAuthAndAnyExtendedKeyUsageAreBothNamed() throws Exception {
    IssuedCert both = pki.issue(CertSpec.client("any-and-client").withEku(Eku.CLIENT_AUTH_AND_ANY));
    assertThat(both.certificate().getExtendedKeyUsage()).containsExactly(DevPkiChainTest.CLIENT_AUTH, "2.5.29.37.0");
    Pkix.validate(both.certificate(), pki.caCertificate(), Instant.now());
  }

  @Test
  void aCertificateWithoutDigitalSignatureHasKeyEnciphermentOnly() throws Exception {
    X509Certificate c = pki.issue(CertSpec.client("no-signing").withoutDigitalSignature()).certificate();
    boolean[] keyUsage = c.getKeyUsage();
    assertThat(keyUsage[0]).as("digitalSignature").isFalse();
    assertThat(keyUsage[2]).as("keyEncipherment").isTrue();
    assertThat(c.getExtendedKeyUsage()).containsExactly(DevPkiChainTest.CLIENT_AUTH);
    Pkix.validate(c, pki.caCertificate(), Instant.now());
  }

  @Test
  void aServerAuthOnlyCertificateLacksClientAuth() throws Exception {
    IssuedCert serverOnly = pki.issue(CertSpec.client("server-only").withEku(Eku.SERVER_AUTH));
    assertThat(serverOnly.certificate().getExtendedKeyUsage()).containsExactly(DevPkiChainTest.SERVER_AUTH);
    assertThat(serverOnly.certificate().getSubjectX500Principal()).isEqualTo(new X500Principal("CN=server-only"));
    assertThat(serverOnly.certificate().getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(7, "127.0.0.1"),
        List.of(7, "0:0:0:0:0:0:0:1"));
  }

  @Test
  void aCaCertificateForAUserIsACaWithClientAuthThatChainsToTheDevCa() throws Exception {
    IssuedCert ca = pki.issue(CertSpec.client("user-ca").asCa());
    X509Certificate c = ca.certificate();
    assertThat(c.getBasicConstraints()).as("CA:true without a path length limit").isEqualTo(Integer.MAX_VALUE);
    assertThat(c.getCriticalExtensionOIDs()).contains("2.5.29.19");
    boolean[] keyUsage = c.getKeyUsage();
    assertThat(keyUsage[0]).as("digitalSignature").isTrue();
    assertThat(keyUsage[5]).as("keyCertSign").isTrue();
    assertThat(c.getExtendedKeyUsage()).containsExactly(DevPkiChainTest.CLIENT_AUTH);
    assertThat(c.getSubjectX500Principal()).isEqualTo(new X500Principal("CN=user-ca"));
    Pkix.validate(c, pki.caCertificate(), Instant.now());
    assertThat(pki.issue(CertSpec.client("user-not-ca")).certificate().getBasicConstraints()).isEqualTo(-1);
  }

  @Test
  void aForeignCertificateVerifiesOnlyAgainstTheForeignCa() throws Exception {
    IssuedCert foreign = pki.issue(CertSpec.client("alice-impostor").fromForeignCa());
    assertThatThrownBy(() -> Pkix.validate(foreign.certificate(), pki.caCertificate(), Instant.now()))
        .isInstanceOf(CertPathValidatorException.class);
    Pkix.validate(foreign.certificate(), pki.foreignCaCertificate(), Instant.now());
  }

  @Test
  void issuedFilesAreWrittenAndReadableByName() throws Exception {
    IssuedCert issued = pki.issue(CertSpec.client("erin"));
    assertThat(issued.certFile()).isEqualTo(dir.resolve("erin.crt")).exists();
    assertThat(issued.keyFile()).isEqualTo(dir.resolve("erin.key")).exists();
    assertThat(pki.p12File("erin")).exists();
    assertThat(pki.certificate("erin")).isEqualTo(issued.certificate());
    assertThat(DevPkiFilesTest.parsePkcs8(issued.keyFile()).getEncoded()).isEqualTo(issued.privateKey().getEncoded());
    X509Certificate fromDisk = PkiFiles.readCertificate(issued.certFile());
    assertThat(fromDisk).isEqualTo(issued.certificate());
    assertThat(issued.toString()).doesNotContain(issued.privateKey().toString());
    assertThat(Files.readString(issued.certFile())).startsWith("-----BEGIN CERTIFICATE-----");
  }

  @Test
  void unknownNamesFailWithAClearMessage() {
    assertThatThrownBy(() -> pki.certificate("nobody"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nobody.crt does not exist");
  }
}
