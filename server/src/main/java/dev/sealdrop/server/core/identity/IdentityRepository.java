package dev.sealdrop.server.core.identity;

import java.time.Instant;
import java.util.Optional;

/** Port: identities, roles and revoked certificates, kept by a store. */
public interface IdentityRepository {
  Optional<Identity> find(String name);

  /** Creates the identity, or sets its role and enabled flag if it exists. */
  void upsert(Identity identity, Instant now);

  /**
   * Sets {@code name}'s enabled flag in one statement unless it is so already or the identity is revoked (a revocation
   * committed meanwhile wins); returns whether it changed.
   */
  boolean setEnabledUnlessRevoked(String name, boolean enabled, Instant now);

  /**
   * Creates the identity unless its name is taken: equal, ignoring case, to an identity's name
   * (revoked ones included). Returns the name that takes it (the same name if it exists exactly),
   * or empty if the identity was created.
   */
  java.util.Optional<String> insertUnlessTaken(Identity identity, Instant now);

  /** Records that a certificate (issuer DN + serial in hex) must no longer be accepted. */
  void revokeCertificate(String issuer, String serialHex, Instant now);

  /**
   * Records that the certificate of serial {@code serialHex} (lowercase hex) of {@code identity} must
   * no longer be accepted. The store does not know which serials were issued to which identity, so
   * this revocation is matched on the presented certificate's identity (its subject CN) as well as
   * its serial: a serial named under the wrong identity can never refuse another identity's
   * certificate.
   * Returns whether it was revoked now (false: that serial of the identity was revoked already).
   */
  boolean revokeCertificateOf(String identity, String serialHex, Instant now);

  /** Revokes an identity for good: disables it and records the revocation, in one transaction. */
  void revokeIdentity(String name, Instant now);

  /** Whether the identity was revoked (its certificates are refused at the handshake). */
  boolean isIdentityRevoked(String name);

  /** Records that the certificate {@code issuer}/{@code serialHex} authenticated as {@code identity}; a repeat is a no-op. */
  void recordCertificate(String identity, String issuer, String serialHex, Instant now);

  /** The identities a certificate with {@code serialHex} (of any issuer) has authenticated as, with when it first did. */
  java.util.List<SeenCertificate> certificatesWithSerial(String serialHex);

  /** A certificate that authenticated as {@code identity}, first at {@code firstSeen}. */
  record SeenCertificate(String identity, String issuer, Instant firstSeen) {}

  /**
   * Everything the authentication of one call asks of the store about a certificate's holder, read
   * at once (one statement, so one snapshot): whether the identity or this certificate (issuer DN +
   * serial in hex, or the identity's own serial, see {@link #revokeCertificateOf}) is revoked, and the
   * identity's registration, if any.
   */
  Standing standing(String name, String issuer, String serialHex);

  /** What the store says about one certificate and its holder. */
  record Standing(boolean identityRevoked, boolean certificateRevoked, Optional<Identity> identity) {}
}
