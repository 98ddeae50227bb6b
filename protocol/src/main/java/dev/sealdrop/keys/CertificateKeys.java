package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.Certificates;
import dev.sealdrop.keys.internal.FormatException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
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

  /**
   * Why a sealdrop server cannot take {@code certificate} as a client's TLS certificate although key bundles
   * accept its key, naming the key, or empty if it can (ECDSA P-256 or P-384, RSA). The server's default TLS
   * library, netty-tcnative BoringSSL, verifies only ECDSA P-256/P-384 and RSA signatures from a client and
   * offers no way to add others: with an Ed25519 or ECDSA P-521 key every handshake ends in
   * {@code certificate_required} (docs/security.md, "Client certificate keys"). Said where the user's own
   * certificate is chosen ({@code init}, {@code keys renew}), not at the first transfer; a peer's bundle is not
   * refused for it, since bundles also serve keys exchanged offline. Keys {@link #unsupportedAlgorithm} refuses
   * are left to it.
   */
  public static Optional<String> unusableForTls(X509Certificate certificate) {
    java.security.PublicKey key = certificate.getPublicKey();
    if (key instanceof RSAKey) {
      return Optional.empty();
    }
    String name;
    if (key instanceof ECKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits == 256 || bits == 384) {
        return Optional.empty();
      }
      name = bits == 521 ? "ECDSA P-521" : "ECDSA " + bits + "-bit";
    } else if (Certificates.unsupported(key).isPresent()) {
      return Optional.empty(); // e.g. Ed448: unsupportedAlgorithm says so
    } else {
      name = "Ed25519";
    }
    return Optional.of("its " + name + " key cannot sign a TLS handshake that a sealdrop server accepts: the"
        + " server's TLS library (BoringSSL, its default) verifies only ECDSA P-256/P-384 and RSA signatures from"
        + " clients, so every connection would be refused");
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
