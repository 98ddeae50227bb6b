package dev.sealdrop.certsdev;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA certificate with its private key, and the X.509 profiles certs-dev issues (Bouncy Castle
 * builders; keys and signatures from the JDK's SunEC, so the results work with every JDK API).
 */
final class CertificateAuthority {

  static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey privateKey;

  CertificateAuthority(X509Certificate certificate, PrivateKey privateKey) {
    this.certificate = certificate;
    this.privateKey = privateKey;
  }

  X509Certificate certificate() {
    return certificate;
  }

  PrivateKey privateKey() {
    return privateKey;
  }

  /** A fresh P-256 key pair. */
  static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("certs-dev: internal error: this JDK cannot generate P-256 keys", e);
    }
  }

  /** A fresh key pair of a JCA algorithm ({@link CertSpec#KEY_ALGORITHMS}); {@code EC} is P-256. */
  static KeyPair newKeyPair(String algorithm) {
    if (algorithm.equals("EC")) {
      return newKeyPair();
    }
    try {
      if (algorithm.startsWith("EC-P")) { // EC-P384, EC-P521: the NIST curve of that size
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp" + algorithm.substring(4) + "r1"), RANDOM);
        return generator.generateKeyPair();
      }
      KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
      if (algorithm.equals("RSA")) {
        generator.initialize(2048, RANDOM);
      }
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("certs-dev: internal error: this JDK cannot generate " + algorithm + " keys", e);
    }
  }

  static X500Name commonName(String cn) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cn).build();
  }

  /** A self-signed CA: basicConstraints CA:true (pathLen 0), keyUsage keyCertSign + cRLSign. */
  static CertificateAuthority create(String commonName, Instant notBefore, Instant notAfter) {
    KeyPair keys = newKeyPair();
    X500Name subject = commonName(commonName);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
          Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("certs-dev: internal error: cannot build CA certificate", e);
    }
  }

  /**
   * An end-entity certificate: basicConstraints CA:false, keyUsage digitalSignature, the given
   * EKU (or none), and the given subject alternative names (may be empty). With {@code ca}, a CA
   * certificate with the same EKU and names instead: basicConstraints CA:true (no path length
   * limit), keyUsage digitalSignature + keyCertSign. Without {@code digitalSignature}, keyEncipherment
   * takes its place (with keyCertSign for a CA).
   */
  X509Certificate issue(X500Name subject, PublicKey subjectKey, Eku eku, Instant notBefore, Instant notAfter,
      List<GeneralName> subjectAltNames, boolean ca, boolean digitalSignature) {
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(notBefore), Date.from(notAfter), subject, subjectKey);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      int usage = digitalSignature ? KeyUsage.digitalSignature : KeyUsage.keyEncipherment;
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? usage | KeyUsage.keyCertSign : usage));
      ExtendedKeyUsage extendedKeyUsage = eku.extension();
      if (extendedKeyUsage != null) {
        builder.addExtension(Extension.extendedKeyUsage, false, extendedKeyUsage);
      }
      if (!subjectAltNames.isEmpty()) {
        builder.addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
      }
      builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate.getPublicKey()));
      return sign(builder, privateKey);
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("certs-dev: internal error: cannot build certificate for " + subject, e);
    }
  }

  /** True if {@code key} is the private half of {@code certificate}'s public key. */
  static boolean keyMatches(X509Certificate certificate, PrivateKey key) {
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signingKey)));
  }

  /** A positive random serial of at most 127 bits (RFC 5280 allows up to 20 octets). */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(0);
  }
}
