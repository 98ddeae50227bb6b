package dev.sealdrop.server.testing;

import dev.sealdrop.certsdev.DevPki;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Client certificates from the dev CA with subjects {@code certs-dev}'s CertSpec cannot express
 * (multi-valued RDNs, odd attributes): EKU clientAuth, keyUsage digitalSignature, valid now.
 */
public final class CustomCerts {
  private CustomCerts() {}

  public record Issued(X509Certificate certificate, PrivateKey privateKey) {}

  public static Issued clientWithSubject(DevPki pki, X500Name subject) {
    return client(pki, subject, "EC", 256, "SHA256withECDSA");
  }

  /** A client certificate with a key of {@code keyAlgorithm} ({@code EC}, {@code RSA}) and {@code keySize} bits, which
   * the dev CA signs with {@code signatureAlgorithm} ({@code SHA256withECDSA}, {@code SHA1withECDSA}). */
  public static Issued client(DevPki pki, X500Name subject, String keyAlgorithm, int keySize,
      String signatureAlgorithm) {
    return issuedBy(pki.caCertificate(), caKey(pki), subject, keyAlgorithm, keySize, signatureAlgorithm,
        new BigInteger(64, new SecureRandom()).add(BigInteger.ONE));
  }

  /** A client certificate for {@code name} from the dev CA with the serial number {@code serial}, whatever it is. */
  public static Issued clientWithSerial(DevPki pki, String name, BigInteger serial) {
    return issuedBy(pki.caCertificate(), caKey(pki), new X500Name("CN=" + name), serial);
  }

  /**
   * An intermediate CA certificate from the dev CA (CA:true, path length 0, keyCertSign), with the extended key usages
   * {@code eku} (none given: no such extension).
   */
  public static Issued intermediate(DevPki pki, String name, KeyPurposeId... eku) {
    return intermediate(pki, name, "SHA256withECDSA", eku);
  }

  /** {@link #intermediate(DevPki, String, KeyPurposeId...)}, which the dev CA signs with {@code signatureAlgorithm}. */
  public static Issued intermediate(DevPki pki, String name, String signatureAlgorithm, KeyPurposeId... eku) {
    Instant now = Instant.now();
    return intermediate(pki, name, signatureAlgorithm, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)),
        eku);
  }

  /** {@link #intermediate(DevPki, String, String, KeyPurposeId...)}, valid from {@code notBefore} to {@code notAfter}. */
  public static Issued intermediate(DevPki pki, String name, String signatureAlgorithm, Instant notBefore,
      Instant notAfter, KeyPurposeId... eku) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
      kpg.initialize(256);
      KeyPair keys = kpg.generateKeyPair();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(pki.caCertificate(),
          new BigInteger(64, new SecureRandom()).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
          new X500Name("CN=" + name), keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new org.bouncycastle.asn1.x509.BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      if (eku.length > 0) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(eku));
      }
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(caKey(pki))));
      return new Issued(cert, keys.getPrivate());
    } catch (java.io.IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot mint a test intermediate " + name, e);
    }
  }

  private static PrivateKey caKey(DevPki pki) {
    try {
      String pem = Files.readString(pki.dir().resolve("ca.key"));
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
          Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""))));
    } catch (java.io.IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the dev CA's key", e);
    }
  }

  /**
   * A client certificate for {@code subject} (EC P-256, serial {@code serial}) signed with {@code issuerKey} as
   * {@code issuer}, whatever that is: another client certificate, to forge a chain.
   */
  public static Issued issuedBy(X509Certificate issuer, PrivateKey issuerKey, X500Name subject, BigInteger serial) {
    return issuedBy(issuer, issuerKey, subject, "EC", 256, "SHA256withECDSA", serial);
  }

  private static Issued issuedBy(X509Certificate issuer, PrivateKey issuerKey, X500Name subject, String keyAlgorithm,
      int keySize, String signatureAlgorithm, BigInteger serial) {
    try {
      KeyPairGenerator kpg = KeyPairGenerator.getInstance(keyAlgorithm);
      kpg.initialize(keySize);
      KeyPair keys = kpg.generateKeyPair();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial,
          Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
          keys.getPublic());
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(issuerKey)));
      return new Issued(cert, keys.getPrivate());
    } catch (java.io.IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("cannot mint a test certificate for " + subject, e);
    }
  }
}
