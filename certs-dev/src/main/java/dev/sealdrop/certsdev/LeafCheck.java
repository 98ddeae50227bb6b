package dev.sealdrop.certsdev;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;

/** Decides whether a leaf's existing files can be kept: all present, readable, valid now, and matching. */
final class LeafCheck {

  private LeafCheck() {}

  /** The existing certificate if every check passes; {@code null} if it must be reissued. */
  static IssuedCert loadIfSound(DevPki pki, LeafProfile profile, CertificateAuthority issuer) {
    String name = profile.name();
    Path crt = pki.certFile(name);
    Path key = pki.keyFile(name);
    Path p12 = pki.p12File(name);
    if (!Files.isRegularFile(crt) || !Files.isRegularFile(key) || !Files.isRegularFile(p12)) {
      return null;
    }
    try {
      X509Certificate certificate = PkiFiles.readCertificate(crt);
      PrivateKey privateKey = PkiFiles.readPrivateKey(key);
      X509Certificate inP12 = PkiFiles.readPkcs12Certificate(p12, name, DevPki.P12_PASSWORD.toCharArray());
      boolean sound = signedBy(certificate, issuer.certificate())
          && matchesProfile(certificate, profile)
          && CertificateAuthority.keyMatches(certificate, privateKey)
          && inP12.equals(certificate);
      return sound ? new IssuedCert(name, certificate, privateKey, crt, key) : null;
    } catch (IOException | GeneralSecurityException e) {
      return null;
    }
  }

  private static boolean signedBy(X509Certificate certificate, X509Certificate issuer) {
    try {
      certificate.verify(issuer.getPublicKey());
      certificate.checkValidity();
      return certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean matchesProfile(X509Certificate certificate, LeafProfile profile)
      throws IOException, GeneralSecurityException {
    X509CertificateHolder holder = new X509CertificateHolder(certificate.getEncoded());
    if (!holder.getSubject().equals(profile.subject())) {
      return false;
    }
    if ((certificate.getBasicConstraints() >= 0) != profile.ca()) {
      return false; // e.g. a dev user's files replaced by a CA certificate that issue() made for the name
    }
    boolean[] keyUsage = certificate.getKeyUsage();
    if ((keyUsage != null && keyUsage[0]) != profile.digitalSignature()) {
      return false; // or by one whose key may not sign (CertSpec.withoutDigitalSignature)
    }
    Extension eku = holder.getExtension(Extension.extendedKeyUsage);
    ExtendedKeyUsage expectedEku = profile.eku().extension();
    if (eku == null ? expectedEku != null : !ExtendedKeyUsage.getInstance(eku.getParsedValue()).equals(expectedEku)) {
      return false;
    }
    Extension san = holder.getExtension(Extension.subjectAlternativeName);
    GeneralNames expectedSan = profile.subjectAltNames().isEmpty() ? null
        : new GeneralNames(profile.subjectAltNames().toArray(GeneralName[]::new));
    GeneralNames actualSan = san == null ? null : GeneralNames.getInstance(san.getParsedValue());
    return Objects.equals(actualSan, expectedSan);
  }
}
