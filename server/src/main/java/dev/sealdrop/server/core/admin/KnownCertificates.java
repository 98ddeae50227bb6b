package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.identity.CertificatePolicy;
import dev.sealdrop.server.core.identity.IdentityRepository;
import dev.sealdrop.server.core.sshkey.SshKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client certificates the server has on record as having spoken for an identity: those that authenticated as it
 * (recorded since V43), the one that signed its published key bundle, and those through which its SSH keys were
 * registered. The CA issues certificates without
 * telling the server, so this is what the server can know of whose a serial is; an admin revoking a certificate by
 * serial is checked against it ({@link AdminOperations#revokeIdentity}).
 */
public final class KnownCertificates {
  /** Where a certificate was seen: {@code identity}'s bundle signer, or the registrar of one of its SSH keys. */
  public record Sighting(String identity, String where) {
    public Sighting {
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(where, "where");
    }
  }

  private final Supplier<List<String>> identities;
  private final Function<String, Optional<X509Certificate>> bundleSigner;
  private final Function<String, List<SshKey>> sshKeys;
  private final Function<String, List<IdentityRepository.SeenCertificate>> authenticated;

  /**
   * @param identities every identity's name
   * @param bundleSigner the certificate that signed an identity's stored key bundle, if it published one
   * @param sshKeys an identity's registered SSH keys
   * @param authenticated the identities a certificate of a serial has authenticated as (since the server recorded it)
   */
  public KnownCertificates(Supplier<List<String>> identities,
      Function<String, Optional<X509Certificate>> bundleSigner, Function<String, List<SshKey>> sshKeys,
      Function<String, List<IdentityRepository.SeenCertificate>> authenticated) {
    this.identities = Objects.requireNonNull(identities, "identities");
    this.bundleSigner = Objects.requireNonNull(bundleSigner, "bundleSigner");
    this.sshKeys = Objects.requireNonNull(sshKeys, "sshKeys");
    this.authenticated = Objects.requireNonNull(authenticated, "authenticated");
  }

  /**
   * Every sighting of a certificate with {@code serial} ({@link CertificatePolicy#serialOf}'s form), of any identity,
   * from any issuing CA: a revocation names the serial and the identity only. An admin operation: it reads every
   * identity's bundle and SSH keys.
   */
  public List<Sighting> withSerial(String serial) {
    List<Sighting> seen = new ArrayList<>();
    for (IdentityRepository.SeenCertificate c : authenticated.apply(serial)) {
      seen.add(new Sighting(c.identity(), "it authenticated as '" + c.identity() + "', first at " + c.firstSeen()));
    }
    for (String name : identities.get()) {
      bundleSigner.apply(name).filter(c -> is(c, serial))
          .ifPresent(c -> seen.add(new Sighting(name, "it signed the key bundle '" + name + "' published")));
      for (SshKey key : sshKeys.apply(name)) {
        if (is(key.registrationCertificate(), serial)) {
          seen.add(new Sighting(name, "it registered the SSH key " + key.fingerprint() + " of '" + name + "'"));
        }
      }
    }
    return seen;
  }

  private static boolean is(X509Certificate cert, String serial) {
    return CertificatePolicy.serialOf(cert).equals(serial);
  }
}
