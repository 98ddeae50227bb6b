package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files on disk: names, formats (parsed with plain JDK APIs), and permissions. */
class DevPkiFilesTest {

  static final List<String> LEAVES = List.of("server", "alice", "bob", "carol", "dave", "mallory");

  @TempDir static Path dir;
  static DevPki pki;

  @BeforeAll
  static void generate() {
    pki = DevPki.loadOrCreate(dir);
  }

  @Test
  void keysAndPkcs12FilesAreOwnerOnly() throws Exception {
    assumeTrue(PkiFiles.posix(), "owner-only permissions are only checked on POSIX file systems");
    Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(dir.resolve("ca.key"))).isEqualTo(ownerOnly);
    assertThat(Files.getPosixFilePermissions(dir.resolve("foreign-ca.key"))).isEqualTo(ownerOnly);
    for (String name : LEAVES) {
      assertThat(Files.getPosixFilePermissions(pki.keyFile(name))).as(name + ".key").isEqualTo(ownerOnly);
      assertThat(Files.getPosixFilePermissions(pki.p12File(name))).as(name + ".p12").isEqualTo(ownerOnly);
    }
  }

  @Test
  void aNewOutputDirectoryIsOwnerOnly(@TempDir Path parent) throws Exception {
    assumeTrue(PkiFiles.posix(), "owner-only permissions are only checked on POSIX file systems");
    Path fresh = parent.resolve("nested").resolve("pki");
    DevPki.loadOrCreate(fresh);
    assertThat(Files.getPosixFilePermissions(fresh)).isEqualTo(Set.of(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
  }

  @Test
  void theDirectoryHoldsExactlyTheDocumentedFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ca.crt", "ca.key", "foreign-ca.crt", "foreign-ca.key", ".lock",
              "server.crt", "server.key", "server.p12", "alice.crt", "alice.key", "alice.p12",
              "bob.crt", "bob.key", "bob.p12", "carol.crt", "carol.key", "carol.p12",
              "dave.crt", "dave.key", "dave.p12", "mallory.crt", "mallory.key", "mallory.p12");
    }
  }

  @Test
  void certificatesArePemThatTheJdkParses() throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    assertThat(Files.readString(pki.caCertFile())).startsWith("-----BEGIN CERTIFICATE-----");
    try (InputStream in = Files.newInputStream(pki.caCertFile())) {
      assertThat(factory.generateCertificate(in)).isEqualTo(pki.caCertificate());
    }
    for (String name : LEAVES) {
      try (InputStream in = Files.newInputStream(pki.certFile(name))) {
        assertThat(factory.generateCertificate(in)).as(name).isEqualTo(pki.certificate(name));
      }
    }
  }

  @Test
  void keysArePkcs8PemMatchingTheirCertificates() throws Exception {
    for (String name : LEAVES) {
      PrivateKey key = parsePkcs8(pki.keyFile(name));
      assertThat(key.getEncoded()).as(name).isEqualTo(pki.privateKey(name).getEncoded());
      assertSignsFor(key, pki.certificate(name));
    }
    assertSignsFor(parsePkcs8(dir.resolve("ca.key")), pki.caCertificate());
  }

  @Test
  void pkcs12FilesHoldKeyCertificateAndIssuer() throws Exception {
    for (String name : LEAVES) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(pki.p12File(name))) {
        store.load(in, DevPki.P12_PASSWORD.toCharArray());
      }
      PrivateKey key = (PrivateKey) store.getKey(name, DevPki.P12_PASSWORD.toCharArray());
      Certificate[] chain = store.getCertificateChain(name);
      X509Certificate issuer = name.equals("mallory") ? pki.foreignCaCertificate() : pki.caCertificate();
      assertThat(chain).as(name).containsExactly(pki.certificate(name), issuer);
      assertSignsFor(key, pki.certificate(name));
    }
  }

  static PrivateKey parsePkcs8(Path file) throws Exception {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    assertThat(pem).as(file.toString()).startsWith("-----BEGIN PRIVATE KEY-----").contains("-----END PRIVATE KEY-----");
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
  }

  static void assertSignsFor(PrivateKey key, X509Certificate certificate) throws Exception {
    byte[] message = "sealdrop".getBytes(StandardCharsets.US_ASCII);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(message);
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(certificate.getPublicKey());
    verifier.update(message);
    assertThat(verifier.verify(signer.sign())).isTrue();
  }
}
