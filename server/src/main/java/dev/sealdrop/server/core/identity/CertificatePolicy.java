package dev.sealdrop.server.core.identity;

import dev.sealdrop.keys.CertificateSubject;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnauthenticatedException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The checks a client certificate must pass beyond its chain to the CA, applied at the TLS
 * handshake and again on every call: an end entity, not a CA certificate (the JDK accepts a leaf
 * with basicConstraints CA:true; we do not), an explicit EKU clientAuth (the JDK accepts a missing
 * EKU extension or anyExtendedKeyUsage; we do not, SECURITY.md §3.3), validity at the server clock,
 * and a single subject CN that is a well-formed identity.
 */
public final class CertificatePolicy {
  public static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  public static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

  private CertificatePolicy() {}

  /**
   * Throws {@link UnauthenticatedException} ({@code CERTIFICATE_NOT_CLIENT_AUTH}) with a precise
   * message if the certificate is not a client certificate: a CA certificate (basicConstraints
   * CA:true, which issues certificates and is no one identity's, RFC 5280 §4.2.1.9), or an EKU that
   * is not exactly right.
   */
  public static void checkClientAuth(X509Certificate cert) {
    if (cert.getBasicConstraints() >= 0) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH,
          "the client certificate is a CA certificate (basicConstraints CA:true), not a client certificate; ask your"
              + " CA for a client certificate (CA:false, EKU clientAuth)");
    }
    List<String> eku;
    try {
      eku = cert.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH,
          "the client certificate's extended key usage cannot be parsed; ask your CA for a new certificate");
    }
    if (eku == null) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH,
          "the client certificate has no extended key usage extension; a certificate with EKU clientAuth is required");
    }
    if (eku.contains(ANY_EXTENDED_KEY_USAGE)) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH,
          "the client certificate allows anyExtendedKeyUsage; a certificate restricted to EKU clientAuth is required");
    }
    if (!eku.contains(CLIENT_AUTH)) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH,
          "the client certificate is not issued for client authentication (EKU clientAuth missing)");
    }
  }

  /** Throws if {@code now} is outside the certificate's validity. */
  public static void checkValidity(X509Certificate cert, Instant now) {
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (now.isBefore(notBefore) || now.isAfter(notAfter)) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_EXPIRED, "the client certificate is valid from "
          + notBefore + " to " + notAfter + ", not at " + now + "; renew it with your CA");
    }
  }

  /** The identity named by the certificate: its one subject CN (the rule of {@link CertificateSubject}). */
  public static String identityOf(X509Certificate cert) {
    String cn;
    try {
      cn = CertificateSubject.cn(cert);
    } catch (IllegalArgumentException e) {
      throw invalid("the client certificate's " + e.getMessage());
    }
    if (!IdentityNames.isValid(cn)) {
      throw invalid("the client certificate's subject CN is not a valid identity name");
    }
    return cn;
  }

  /** The issuer DN and serial that identify a certificate in the revocation list. */
  public static String issuerOf(X509Certificate cert) {
    return cert.getIssuerX500Principal().getName();
  }

  public static String serialOf(X509Certificate cert) {
    return cert.getSerialNumber().toString(16);
  }

  private static UnauthenticatedException invalid(String message) {
    return new UnauthenticatedException(Reason.CERTIFICATE_INVALID, message + "; ask your CA for a new certificate");
  }
}
