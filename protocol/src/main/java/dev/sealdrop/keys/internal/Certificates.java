package dev.sealdrop.keys.internal;

import java.security.PublicKey;
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

  /** The JCA signature algorithm a bundle uses for a certificate key (never chosen by the input). */
  public static String signatureAlgorithm(PublicKey key) throws FormatException {
    switch (key.getAlgorithm()) {
      case "EC":
        return "SHA256withECDSA";
      case "Ed25519":
      case "EdDSA":
        return "Ed25519";
      case "RSA":
        return "SHA256withRSA";
      default:
        throw new FormatException("unsupported certificate key algorithm " + key.getAlgorithm());
    }
  }
}
