package dev.sealdrop.testing;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A tiny in-memory CA for key-bundle unit tests that need certificates certs-dev does not make
 * (e.g. an intermediate CA). The Contract A {@code DevPki} is used wherever it suffices.
 */
public final class MiniCa {
  public final KeyPair caKeys;
  public final X509Certificate caCert;

  public MiniCa(String name) throws Exception {
    caKeys = ecKeys();
    Instant now = Instant.now();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name), BigInteger.ONE,
        Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86400 * 30)), new X500Name("CN=" + name),
        caKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    caCert = sign(b);
  }

  public record Leaf(KeyPair keys, X509Certificate cert) {}

  public Leaf issue(String cn, KeyPurposeId eku, Instant notBefore, Instant notAfter) throws Exception {
    KeyPair k = ecKeys();
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, BigInteger.valueOf(System.nanoTime()),
        Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + cn), k.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    if (eku != null) {
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
    }
    return new Leaf(k, sign(b));
  }

  public Leaf issue(String cn) throws Exception {
    Instant now = Instant.now();
    return issue(cn, KeyPurposeId.id_kp_clientAuth, now.minusSeconds(3600), now.plusSeconds(86400));
  }

  private X509Certificate sign(X509v3CertificateBuilder b) throws Exception {
    return new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }
}
