package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * The client-certificate rule refuses a certificate signed over a hash that no longer resists collisions, whatever the
 * signature scheme names: RSASSA-PSS carries its hash in its parameters, not in its name (outside test: a PSS signature
 * over SHA-1 passed, since only the name was looked at), and accepts the same scheme over SHA-256.
 */
class ClientCertificatesWeakSignatureTest {
  private static final KeyPair CA = rsa(2048);
  private static final java.security.Provider BC = new org.bouncycastle.jce.provider.BouncyCastleProvider();

  @Test
  void anRsaPssSignatureOverSha1IsRefusedAndOneOverSha256Accepted() throws Exception {
    assertThat(ClientCertificates.problem(client("SHA1withRSAandMGF1"))).hasValueSatisfying(p ->
        assertThat(p).contains("SHA-1").contains("no longer resists collisions"));
    assertThat(ClientCertificates.problem(client("SHA256withRSAandMGF1"))).isEmpty();
    assertThat(ClientCertificates.problem(client("SHA1withRSA"))).hasValueSatisfying(p ->
        assertThat(p).contains("SHA1withRSA"));
    assertThat(ClientCertificates.problem(client("SHA256withRSA"))).isEmpty();
  }

  /** RFC 5280: an unknown critical extension refuses the certificate, and the refusal names it (outside test). */
  @Test
  void anUnknownCriticalExtensionIsRefusedNamingIt() throws Exception {
    assertThat(ClientCertificates.problem(client("SHA256withRSA", true))).hasValueSatisfying(p -> assertThat(p)
        .contains("critical extension that sealdrop does not know (1.3.6.1.4.1.55555.1)"));
  }

  private static X509Certificate client(String signatureAlgorithm) throws Exception {
    return client(signatureAlgorithm, false);
  }

  private static X509Certificate client(String signatureAlgorithm, boolean unknownCriticalExtension) throws Exception {
    KeyPair leaf = rsa(2048);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=test-ca"), BigInteger.TEN,
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=alice"),
        leaf.getPublic());
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    if (unknownCriticalExtension) {
      b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true,
          new org.bouncycastle.asn1.DEROctetString(new byte[] {1}));
    }
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder(signatureAlgorithm).setProvider(BC).build(CA.getPrivate())));
  }

  private static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits);
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
