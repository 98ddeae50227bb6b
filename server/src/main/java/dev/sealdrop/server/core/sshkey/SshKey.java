package dev.sealdrop.server.core.sshkey;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A registered SSH public key: whose it is, the key, when it was added, the DER encoding of the
 * client certificate through which its owner registered it (the key lives no longer than that
 * certificate stays valid and unrevoked), and the CA the server trusted then ({@link SshKeyService#caKeyOf}; null
 * for a key registered before the server recorded it).
 */
public record SshKey(String identity, SshPublicKey key, Instant addedAt, byte[] registeredWith, String caKey) {
  public SshKey {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(addedAt, "addedAt");
    registeredWith = registeredWith.clone();
  }

  @Override
  public byte[] registeredWith() {
    return registeredWith.clone();
  }

  public String fingerprint() {
    return key.fingerprint();
  }

  /** The client certificate through which the key was registered, decoded. */
  public X509Certificate registrationCertificate() {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(registeredWith));
    } catch (CertificateException e) {
      throw new IllegalStateException("server: internal error: a stored registration certificate does not parse", e);
    }
  }

  @Override
  public String toString() {
    return "SshKey[" + identity + ", " + key + "]";
  }
}
