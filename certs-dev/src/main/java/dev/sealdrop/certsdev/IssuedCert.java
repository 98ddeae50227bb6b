package dev.sealdrop.certsdev;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** A certificate minted by {@link DevPki#issue}, with its key and the files it was written to. */
public record IssuedCert(String name, X509Certificate certificate, PrivateKey privateKey, Path certFile, Path keyFile) {

  @Override
  public String toString() {
    // Never print the private key.
    return "IssuedCert[name=" + name + ", subject=" + certificate.getSubjectX500Principal().getName()
        + ", certFile=" + certFile + ", keyFile=" + keyFile + "]";
  }
}
