package dev.sealdrop.certsdev;

import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * What a certificate issued by a dev CA must look like: its file name, subject, EKU, SANs, issuer,
 * whether it is a CA certificate ({@link CertSpec#asCa}; every other one is an end entity), and
 * whether its keyUsage allows digitalSignature ({@link CertSpec#withoutDigitalSignature}).
 * Used both to mint a certificate and to decide whether an existing one can be kept.
 */
record LeafProfile(String name, X500Name subject, Eku eku, List<GeneralName> subjectAltNames, boolean foreignCa,
    boolean ca, boolean digitalSignature) {

  static final String SERVER_HOST = "localhost";
  static final String SERVER_IP = "127.0.0.1";
  /** The IPv6 loopback, so that a development server listening on {@code ::1} is reached as {@code [::1]:PORT}. */
  static final String SERVER_IP6 = "::1";

  LeafProfile {
    subjectAltNames = List.copyOf(subjectAltNames);
  }

  /** The development server: CN=localhost, SAN DNS:localhost, IP:127.0.0.1 and IP:::1, EKU serverAuth. */
  static LeafProfile server() {
    return new LeafProfile(DevPki.SERVER, CertificateAuthority.commonName(SERVER_HOST), Eku.SERVER_AUTH,
        localhostNames(), false, false, true);
  }

  /** A development user: CN=name, EKU clientAuth, no SAN. */
  static LeafProfile client(String name, boolean foreignCa) {
    return new LeafProfile(name, CertificateAuthority.commonName(name), Eku.CLIENT_AUTH, List.of(), foreignCa, false,
        true);
  }

  /** A test certificate: CN=name; a serverAuth certificate also names localhost, so TLS clients accept it. */
  static LeafProfile of(CertSpec spec) {
    List<GeneralName> names = spec.eku() == Eku.SERVER_AUTH ? localhostNames() : List.of();
    return new LeafProfile(spec.name(), CertificateAuthority.commonName(spec.name()), spec.eku(), names,
        spec.foreignCa(), spec.ca(), spec.digitalSignature());
  }

  private static List<GeneralName> localhostNames() {
    return List.of(new GeneralName(GeneralName.dNSName, SERVER_HOST),
        new GeneralName(GeneralName.iPAddress, SERVER_IP), new GeneralName(GeneralName.iPAddress, SERVER_IP6));
  }
}
