package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.keys.BundleException.Reason;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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
    ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
    ed448Alice = clientCertificate("alice", ed448, pki.caCertificate(), caKey(), "SHA256withECDSA");
  }

  /** The development CA's key (PKCS#8 PEM), which DevPki keeps to itself. */
  static PrivateKey caKey() throws Exception {
    String pem = java.nio.file.Files.readString(pkiDir.resolve("ca.key"));
    byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    return java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
  }

  /** A clientAuth certificate for {@code cn} with {@code keys}, issued by {@code issuer}. */
  static X509Certificate clientCertificate(String cn, KeyPair keys, X509Certificate issuer, PrivateKey issuerKey,
      String signatureAlgorithm) throws Exception {
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(30, ChronoUnit.DAYS)), new X500Name("CN=" + cn),
        keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(issuerKey)));
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
    assertThat(CertificateKeys.unsupportedAlgorithm(pki.certificate("alice"))).isEmpty();
    KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    X509Certificate ed25519Alice = clientCertificate("alice", ed25519, pki.caCertificate(), caKey(),
        "SHA256withECDSA");
    assertThat(CertificateKeys.unsupportedAlgorithm(ed25519Alice)).isEmpty();
    assertThat(CertificateKeys.isKeyOf(ed25519Alice, ed25519.getPrivate())).isTrue();
  }
}
