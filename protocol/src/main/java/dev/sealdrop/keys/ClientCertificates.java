package dev.sealdrop.keys;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The one rule for whether a certificate may be a sealdrop client certificate, the certificate of
 * an identity: applied by the server at every TLS handshake and call ({@code CertificatePolicy}),
 * and by every {@link BundleVerifier} (the CLI's {@code init} and {@code keys renew} for the
 * user's own certificate, and a peer's key bundle wherever it is fetched or imported). It must
 * <ul>
 *   <li>be an end entity: basicConstraints CA:true makes a CA certificate, which issues
 *       certificates and is no one identity's (RFC 5280 §4.2.1.9), whatever its CN and EKU;
 *   <li>carry an extended key usage extension that names {@code clientAuth} and not
 *       {@code anyExtendedKeyUsage}: the JDK accepts a missing EKU and anyExtendedKeyUsage for a
 *       TLS client, and a certificate good for any purpose is not one issued for sealdrop's;
 *   <li>allow {@code digitalSignature} if it has a key usage extension: its key signs the TLS
 *       handshake and the key bundle;
 *   <li>be signed with a hash that still resists collisions (not MD2, MD5 or SHA-1: a chosen-prefix SHA-1 collision
 *       made a rogue certificate from a CA's signature) and, if its key is RSA, have at least {@value #MIN_RSA_BITS}
 *       bits: the JDK's own limits (RSA 1024, SHA-1 outside the public web PKI) let both pass (outside test).
 * </ul>
 * Chain, validity, key algorithm and the subject's CN are checked by each side in its own way
 * (docs/security.md, "One client-certificate rule"). JDK classes only, so that the CLI loads no
 * Bouncy Castle class to start.
 */
public final class ClientCertificates {
  /** {@code id-kp-clientAuth}. */
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  /** {@code anyExtendedKeyUsage}. */
  private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
  private static final int DIGITAL_SIGNATURE = 0;
  /** The smallest RSA key a client certificate may have (NIST SP 800-131A: 112-bit security). */
  public static final int MIN_RSA_BITS = 2048;

  private ClientCertificates() {}

  /**
   * Why {@code cert} may not be a client certificate, in words that follow "the certificate" (e.g.
   * "is a CA certificate (basicConstraints CA:true), not a client certificate"), or empty if it may.
   */
  /**
   * What makes {@code cert} too weak to trust, whatever it is for (a client's or the server's own certificate): a
   * signature over a hash that no longer resists collisions (SHA-1, MD5, MD2; for RSASSA-PSS, the hash its parameters
   * name), or an RSA key under {@link #MIN_RSA_BITS} bits; empty if neither.
   */
  public static Optional<String> weakness(X509Certificate cert) {
    String signedWith = signatureHash(cert);
    String upper = signedWith.toUpperCase(java.util.Locale.ROOT);
    if (upper.startsWith("SHA1") || upper.startsWith("SHA-1") || upper.startsWith("MD5") || upper.startsWith("MD2")) {
      return Optional.of("is signed with " + signedWith + ", a hash that no longer resists collisions; a certificate"
          + " signed with SHA-256 or stronger is required");
    }
    if (cert.getPublicKey() instanceof java.security.interfaces.RSAPublicKey rsa
        && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      return Optional.of("has a " + rsa.getModulus().bitLength() + "-bit RSA key; at least " + MIN_RSA_BITS
          + " bits are required");
    }
    return Optional.empty();
  }

  /**
   * Why {@code intermediate}, a CA certificate between the deployment's CA and a client certificate, may not issue
   * identities, in words that follow "the intermediate CA 'NAME'", or empty if it may: an extended key usage, if it has
   * one, that allows clientAuth or anyExtendedKeyUsage (as OpenSSL's {@code -purpose sslclient} checks along the chain;
   * the JDK's path validation does not), and no {@link #weakness} (a SHA-1 signature on an intermediate is the forged
   * CA certificate a chosen-prefix collision makes). The same rule at the server's TLS port and in every
   * {@link BundleVerifier} (review EB: only the port checked it, so that a bundle whose certificate an intermediate
   * restricted to serverAuth issued, one the port refused, was verified and pinned by the CLI).
   */
  public static Optional<String> intermediateProblem(X509Certificate intermediate) {
    List<String> eku;
    try {
      eku = intermediate.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return Optional.of("has an extended key usage extension that cannot be parsed");
    }
    if (eku != null && !eku.contains(CLIENT_AUTH) && !eku.contains(ANY_EXTENDED_KEY_USAGE)) {
      return Optional.of("is restricted by its extended key usage to other purposes than client authentication");
    }
    return weakness(intermediate);
  }

  /** The extensions the JDK's certificate path checks understand when critical, by OID. */
  private static final java.util.Set<String> KNOWN_EXTENSIONS = java.util.Set.of("2.5.29.15", "2.5.29.17", "2.5.29.19",
      "2.5.29.30", "2.5.29.32", "2.5.29.33", "2.5.29.35", "2.5.29.36", "2.5.29.37", "2.5.29.54", "2.5.29.14",
      "2.5.29.18", "2.5.29.31", "2.5.29.46", "1.3.6.1.5.5.7.1.1");

  public static Optional<String> problem(X509Certificate cert) {
    if (cert.getBasicConstraints() >= 0) {
      return Optional.of("is a CA certificate (basicConstraints CA:true), not a client certificate");
    }
    java.math.BigInteger serial = cert.getSerialNumber();
    if (serial.signum() < 0 || serial.bitLength() > 160) {
      // RFC 5280 §4.1.2.2 (round AJ: such certificates connected, and no admin could revoke them by serial, whose
      // form is 1 to 64 hexadecimal digits). 160 bits: a 20-byte serial with its top bit set, 21 bytes with its sign
      // byte, is taken as real CAs' hand-made serials have it (round AM)
      return Optional.of("has a serial number that is " + (serial.signum() < 0 ? "negative" : "longer than 20 bytes")
          + " (RFC 5280 allows a positive one of at most 20 bytes), which no revocation by serial could name");
    }
    List<String> eku;
    try {
      eku = cert.getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      return Optional.of("has an extended key usage extension that cannot be parsed");
    }
    if (eku == null) {
      return Optional.of("has no extended key usage extension; EKU clientAuth is required");
    }
    if (eku.contains(ANY_EXTENDED_KEY_USAGE)) {
      return Optional.of("allows anyExtendedKeyUsage; a certificate restricted to EKU clientAuth is required");
    }
    if (!eku.contains(CLIENT_AUTH)) {
      return Optional.of("is not issued for client authentication (EKU clientAuth required)");
    }
    boolean[] keyUsage = cert.getKeyUsage();
    if (keyUsage != null && !keyUsage[DIGITAL_SIGNATURE]) {
      return Optional.of("has a key usage that lacks digitalSignature, which its key needs to sign");
    }
    Optional<String> weak = weakness(cert);
    if (weak.isPresent()) {
      return weak;
    }
    if (cert.hasUnsupportedCriticalExtension()) {
      // RFC 5280 §4.2: a certificate with a critical extension the verifier does not know must be rejected; said here,
      // with which one, rather than as a bare path-validation failure (outside test: a misleading message)
      java.util.Set<String> critical = new java.util.TreeSet<>(cert.getCriticalExtensionOIDs());
      critical.removeAll(KNOWN_EXTENSIONS);
      return Optional.of("has a critical extension that sealdrop does not know (" + (critical.isEmpty() ? "unreadable"
          : String.join(", ", critical)) + "), so it must be refused (RFC 5280); a certificate without it is required");
    }
    return Optional.empty();
  }

  /**
   * The name of {@code cert}'s signature algorithm ({@code SHA256withECDSA}); for RSASSA-PSS, whose name holds no hash,
   * the hash its parameters name ({@code RSASSA-PSS with SHA-1}), so that a PSS signature over SHA-1 is not taken for a
   * strong one (outside test), and {@code RSASSA-PSS with unreadable parameters}, refused alike, if they do not parse.
   */
  private static String signatureHash(X509Certificate cert) {
    String name = String.valueOf(cert.getSigAlgName());
    if (!name.equalsIgnoreCase("RSASSA-PSS")) {
      return name;
    }
    try {
      java.security.AlgorithmParameters params = java.security.AlgorithmParameters.getInstance("RSASSA-PSS");
      params.init(cert.getSigAlgParams());
      String digest = params.getParameterSpec(java.security.spec.PSSParameterSpec.class).getDigestAlgorithm();
      String mgf = params.getParameterSpec(java.security.spec.PSSParameterSpec.class).getMGFParameters()
          instanceof java.security.spec.MGF1ParameterSpec m ? m.getDigestAlgorithm() : digest;
      // the weaker of the message digest and the mask generation's
      return isWeak(digest) ? digest + " (RSASSA-PSS)" : isWeak(mgf) ? mgf + " (RSASSA-PSS's MGF1)" : name + " with "
          + digest;
    } catch (java.security.GeneralSecurityException | java.io.IOException | RuntimeException e) {
      return "MD5 or unknown (RSASSA-PSS parameters that do not parse)";
    }
  }

  private static boolean isWeak(String digest) {
    String d = digest.toUpperCase(java.util.Locale.ROOT).replace("-", "");
    return d.startsWith("SHA1") || d.startsWith("MD5") || d.startsWith("MD2");
  }

  /**
   * The SHA-256 of the certificate's DER encoding, lowercase hexadecimal: what names one certificate
   * (a serial is unique only per issuing CA), as the server lists it for the SSH keys registered
   * through it ({@code SshKey.certificate_fingerprint}).
   */
  public static String fingerprint(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
      throw new IllegalArgumentException("cannot encode the certificate: " + e.getMessage(), e);
    }
  }
}
