package dev.sealdrop.keys.internal;

import java.security.PublicKey;
import java.security.interfaces.EdECKey;
import java.util.Optional;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.ASN1String;

/** X.509 helpers for key bundles: the identity of a certificate and its signature algorithm. */
public final class Certificates {
  private Certificates() {}

  /** The subject CN, the sealdrop identity of a certificate; fails unless there is exactly one. */
  public static String identity(X509Certificate cert) throws FormatException {
    X500Name name = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    RDN[] cns = name.getRDNs(BCStyle.CN);
    if (cns.length != 1 || cns[0].isMultiValued()) {
      throw new FormatException("certificate subject must have exactly one CN");
    }
    if (!(cns[0].getFirst().getValue() instanceof ASN1String cn)) {
      throw new FormatException("certificate subject CN is not a string");
    }
    return cn.getString();
  }

  /** The certificate key algorithms key bundles sign and verify with, for messages. */
  public static final String SUPPORTED = "ECDSA (P-256, P-384, P-521), Ed25519 or RSA";

  /** The JCA signature algorithm a bundle uses for a certificate key (never chosen by the input). */
  public static String signatureAlgorithm(PublicKey key) throws FormatException {
    Optional<String> unsupported = unsupported(key);
    if (unsupported.isPresent()) {
      throw new FormatException(unsupported.get());
    }
    switch (key.getAlgorithm()) {
      case "EC":
        return "SHA256withECDSA";
      case "RSA":
        return "SHA256withRSA";
      default:
        return "Ed25519";
    }
  }

  /**
   * Why bundles cannot use a certificate key, or empty if they can. The JDK names both Edwards
   * curves "EdDSA": an Ed448 key is told apart by its parameters, so that it is reported as
   * unsupported rather than failing a signature check as if the bundle were forged.
   */
  public static Optional<String> unsupported(PublicKey key) {
    String algorithm = key.getAlgorithm();
    switch (algorithm) {
      case "EC":
      case "RSA":
      case "Ed25519":
        return Optional.empty();
      case "EdDSA":
        String curve = key instanceof EdECKey ed ? ed.getParams().getName() : "unknown curve";
        if ("Ed25519".equalsIgnoreCase(curve)) {
          return Optional.empty();
        }
        algorithm = curve;
        break;
      default:
        break;
    }
    return Optional.of("unsupported certificate key algorithm " + algorithm + ": sealdrop accepts " + SUPPORTED
        + " keys; have the certificate issued for a key of one of these");
  }
}
