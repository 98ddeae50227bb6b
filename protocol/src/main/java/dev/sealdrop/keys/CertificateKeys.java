package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.Certificates;
import dev.sealdrop.keys.internal.FormatException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Optional;

/** Whether a private key belongs to a certificate (EC, Ed25519 or RSA, as key bundles accept). */
public final class CertificateKeys {
  private CertificateKeys() {}

  /**
   * Why key bundles (and sealdrop) cannot use {@code certificate}'s key, naming its algorithm and
   * the supported ones, or empty if they can (e.g. an Ed448 key: unsupported, not a bad signature).
   */
  public static Optional<String> unsupportedAlgorithm(X509Certificate certificate) {
    return Certificates.unsupported(certificate.getPublicKey());
  }

  /** True if {@code key} is the private key of {@code certificate}: one signature made and checked. */
  public static boolean isKeyOf(X509Certificate certificate, PrivateKey key) {
    try {
      Signature signer = Signature.getInstance(Certificates.signatureAlgorithm(certificate.getPublicKey()));
      signer.initSign(key);
      byte[] probe = "sealdrop: is this the certificate's key?".getBytes(StandardCharsets.US_ASCII);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(signer.getAlgorithm());
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | FormatException | RuntimeException e) {
      return false; // e.g. an RSA key beside an EC certificate, or an algorithm bundles do not accept
    }
  }
}
