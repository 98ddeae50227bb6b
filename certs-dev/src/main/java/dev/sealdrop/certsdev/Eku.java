package dev.sealdrop.certsdev;

import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/** The extended key usage a certificate from {@link DevPki#issue} carries. */
public enum Eku {
  /** {@code id-kp-clientAuth} only: what a sealdrop client certificate must carry. */
  CLIENT_AUTH,
  /** {@code id-kp-serverAuth} only: a server certificate, wrong for a client. */
  SERVER_AUTH,
  /** {@code anyExtendedKeyUsage} only: the JDK accepts it for TLS clients; sealdrop must not. */
  ANY_EXTENDED_KEY_USAGE,
  /**
   * {@code id-kp-clientAuth} and {@code anyExtendedKeyUsage}: the JDK accepts it for TLS clients
   * and it names clientAuth, yet it is good for any purpose; sealdrop must refuse it everywhere.
   */
  CLIENT_AUTH_AND_ANY,
  /** No EKU extension at all: the JDK accepts it for TLS clients; sealdrop must not. */
  NO_EXTENSION;

  /** The extension value, or {@code null} for {@link #NO_EXTENSION}. */
  ExtendedKeyUsage extension() {
    switch (this) {
      case CLIENT_AUTH:
        return new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
      case SERVER_AUTH:
        return new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
      case ANY_EXTENDED_KEY_USAGE:
        return new ExtendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage);
      case CLIENT_AUTH_AND_ANY:
        return new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.anyExtendedKeyUsage});
      case NO_EXTENSION:
        return null;
      default:
        throw new IllegalStateException("certs-dev: internal error: unknown EKU " + this);
    }
  }
}
