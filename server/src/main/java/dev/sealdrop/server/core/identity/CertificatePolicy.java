package dev.sealdrop.server.core.identity;

import dev.sealdrop.keys.CertificateKeys;
import dev.sealdrop.keys.CertificateSubject;
import dev.sealdrop.keys.ClientCertificates;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnauthenticatedException;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * The checks a client certificate must pass beyond its chain to the CA, applied at the TLS
 * handshake and again on every call: a client certificate by the rule shared with the CLI's
 * bundle verification ({@link ClientCertificates}: an end entity, not a CA certificate; an
 * explicit EKU clientAuth, no missing EKU extension or anyExtendedKeyUsage, which the JDK accepts,
 * SECURITY.md §3.3; digitalSignature if a key usage is present), validity at the server clock,
 * and a single subject CN that is a well-formed identity.
 */
public final class CertificatePolicy {
  private CertificatePolicy() {}

  /**
   * Throws {@link UnauthenticatedException} ({@code CERTIFICATE_NOT_CLIENT_AUTH}) with a precise
   * message if the certificate is not a client certificate by the rule the CLI applies to key
   * bundles too ({@link ClientCertificates}): a CA certificate, an EKU that is not clientAuth
   * without anyExtendedKeyUsage, or a key usage without digitalSignature; or if its key is of an
   * algorithm key bundles cannot use ({@link CertificateKeys#unsupportedAlgorithm}, e.g. Ed448), or one
   * the default TLS library cannot verify from a client ({@link CertificateKeys#unusableForTls}: Ed25519,
   * P-521), whichever TLS library this server runs on.
   */
  public static void checkClientAuth(X509Certificate cert) {
    ClientCertificates.problem(cert).ifPresent(problem -> {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH, "the client certificate " + problem
          + "; ask your CA for a client certificate (CA:false, EKU clientAuth, keyUsage digitalSignature)");
    });
    // a key its owner's CLI refuses at init and key bundles cannot be signed with (Ed448): the identity
    // could never publish a bundle, so it is refused here with the same words, not accepted half-way
    CertificateKeys.unsupportedAlgorithm(cert).ifPresent(unsupported -> {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH, "the client certificate's key: "
          + unsupported);
    });
    // a key BoringSSL (the default TLS library) never verifies from a client (Ed25519, P-521): refused on
    // the JDK provider too, so that a certificate connects or fails alike whichever library the server loaded,
    // by the rule the CLI applies at init and keys renew
    CertificateKeys.unusableForTls(cert).ifPresent(unusable -> {
      throw new UnauthenticatedException(Reason.CERTIFICATE_NOT_CLIENT_AUTH, "the client certificate: " + unusable
          + "; ask your CA for a client certificate with an ECDSA P-256/P-384 or RSA key");
    });
  }

  /** Throws if {@code now} is outside the certificate's validity. */
  public static void checkValidity(X509Certificate cert, Instant now) {
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    if (now.isBefore(notBefore) || now.isAfter(notAfter)) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_EXPIRED, "the client certificate is valid from "
          + notBefore + " to " + notAfter + ", not at " + now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
          + (now.isBefore(notBefore) ? "; check the clocks, or wait until it is valid" : "; renew it with your CA"));
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

  /**
   * A serial ({@link #serialOf}'s lower-case hex) as messages show it to people: upper case, as `openssl x509 -serial`
   * prints it and the CLI shows it: an even number of digits (review BF: a serial whose first byte is below 0x10 lost
   * its leading zero, so a grep for openssl's form missed it).
   */
  public static String shown(String serialHex) {
    String upper = serialHex.toUpperCase(java.util.Locale.ROOT);
    return upper.length() % 2 == 0 ? upper : "0" + upper;
  }

  private static UnauthenticatedException invalid(String message) {
    return new UnauthenticatedException(Reason.CERTIFICATE_INVALID, message + "; ask your CA for a new certificate");
  }
}
