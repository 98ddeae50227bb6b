package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.keys.BundleException.Reason;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate whose key bundles cannot sign or verify (Ed448) is refused as an unsupported key,
 * naming the algorithm and what to do, never as a forged signature or a key that does not match.
 */
class UnsupportedCertificateKeyTest {
  @TempDir static Path pkiDir;
  static DevPki pki;
  static final PrivateKeys KEYS = PrivateKeys.generate();
  static final Instant IN_30_DAYS = Instant.now().plus(30, ChronoUnit.DAYS);
  static KeyPair ed448;
  static X509Certificate ed448Alice;

  @BeforeAll
  static void pki() throws Exception {
    pki = DevPki.create(pkiDir, false);
    IssuedCert issued = pki.issue(CertSpec.client("alice").withKeyAlgorithm("Ed448"));
    ed448 = new KeyPair(issued.certificate().getPublicKey(), issued.privateKey());
    ed448Alice = issued.certificate();
  }

  /** A bundle signed exactly as the spec says, with the certificate's own (Ed448) key. */
  static byte[] bundleSignedBy(String identity, X509Certificate cert, PrivateKey key) throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    byte[] der = cert.getEncoded();
    byte[] tbs = new ByteWriter().bytes(Labels.ascii(Labels.BUNDLE_MAGIC)).u8(KeyBundle.VERSION).str8(identity)
        .bytes(KEYS.publicKeys().encryption().encoded()).bytes(KEYS.publicKeys().signing().encoded())
        .i64(now.minus(1, ChronoUnit.HOURS).getEpochSecond()).i64(IN_30_DAYS.getEpochSecond()).u8(1)
        .u16(der.length).bytes(der).toByteArray();
    Signature s = Signature.getInstance("Ed448");
    s.initSign(key);
    s.update(Labels.ascii(Labels.BUNDLE_SIGNATURE));
    s.update(tbs);
    byte[] sig = s.sign();
    return new ByteWriter().bytes(tbs).u16(sig.length).bytes(sig).toByteArray();
  }

  @Test
  void aBundleFromAnEd448CertificateIsRefusedAsUnsupportedNotAsForged() throws Exception {
    byte[] bundle = bundleSignedBy("alice", ed448Alice, ed448.getPrivate());
    BundleVerifier verifier = new BundleVerifier(pki.caCertificate(), Clock.systemUTC());
    assertThatThrownBy(() -> verifier.verify(bundle, "alice")).isInstanceOfSatisfying(BundleException.class, e -> {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.UNSUPPORTED_KEY);
      assertThat(e.getMessage()).contains("Ed448").contains("Ed25519").contains("ECDSA").contains("RSA")
          .doesNotContain("forged");
    });
  }

  /**
   * A certificate from the deployment CA with a critical extension nobody here knows is refused naming it, not as one
   * that "does not chain to this deployment's CA" (outside test: init blamed the CA).
   */
  @Test
  void aBundleWhoseCertificateHasAnUnknownCriticalExtensionIsRefusedNamingItNotAsUntrusted() throws Exception {
    KeyPair leaf = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
    org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder b = new org.bouncycastle.cert.jcajce
        .JcaX509v3CertificateBuilder(pki.caCertificate(), java.math.BigInteger.valueOf(4242),
        java.util.Date.from(Instant.now().minus(1, ChronoUnit.HOURS)), java.util.Date.from(IN_30_DAYS),
        new org.bouncycastle.asn1.x500.X500Name("CN=alice"), leaf.getPublic());
    b.addExtension(org.bouncycastle.asn1.x509.Extension.keyUsage, true,
        new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature));
    b.addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
        new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
    b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.2.3.4.5"), true,
        new org.bouncycastle.asn1.DEROctetString(new byte[] {1}));
    X509Certificate cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(b.build(
        new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(caKey())));
    byte[] bundle = KeyBundle.create("alice", KEYS.publicKeys(), IN_30_DAYS, leaf.getPrivate(), List.of(cert))
        .encoded();
    BundleVerifier verifier = new BundleVerifier(pki.caCertificate(), Clock.systemUTC());
    assertThatThrownBy(() -> verifier.verify(bundle, "alice")).isInstanceOfSatisfying(BundleException.class, e -> {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.NOT_CLIENT_AUTH);
      assertThat(e.getMessage()).contains("critical extension that sealdrop does not know (1.2.3.4.5)");
    });
  }

  /** The development CA's key, as DevPki wrote it (PKCS#8 PEM). */
  private static PrivateKey caKey() throws Exception {
    String pem = java.nio.file.Files.readString(pkiDir.resolve("ca.key")).replaceAll("-----[A-Z ]+-----", "")
        .replaceAll("\\s", "");
    return java.security.KeyFactory.getInstance(pki.caCertificate().getPublicKey().getAlgorithm())
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(pem)));
  }

  @Test
  void creatingABundleWithAnEd448CertificateSaysTheKeyIsUnsupported() {
    assertThatThrownBy(() -> KeyBundle.create("alice", KEYS.publicKeys(), IN_30_DAYS, ed448.getPrivate(),
        List.of(ed448Alice)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported")
        .hasMessageContaining("Ed448")
        .hasMessageNotContaining("is not the key of");
  }

  @Test
  void aCertificateKeyCheckSaysWhetherTheAlgorithmIsSupported() throws Exception {
    assertThat(CertificateKeys.unsupportedAlgorithm(ed448Alice)).hasValueSatisfying(
        m -> assertThat(m).contains("Ed448").contains("Ed25519"));
    assertThat(CertificateKeys.unsupportedAlgorithm(pki.certificate("bob"))).isEmpty();
    IssuedCert ed25519 = pki.issue(CertSpec.client("ed25519-alice").withKeyAlgorithm("Ed25519"));
    assertThat(CertificateKeys.unsupportedAlgorithm(ed25519.certificate())).isEmpty();
    assertThat(CertificateKeys.isKeyOf(ed25519.certificate(), ed25519.privateKey())).isTrue();
  }
}
