package dev.sealdrop.server.core.identity;

import dev.sealdrop.server.core.AlreadyExistsException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnauthenticatedException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is calling: turns a presented (already chain-validated) client certificate into a
 * {@link Principal}, re-checking EKU, validity, revocation, and the identity's role and enabled
 * flag from the database on every call, so a revocation takes effect at once.
 */
public final class IdentityService {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");

  private final IdentityRepository repository;
  private final Clock clock;

  /** The audit result of a refusal or a cut for the caller's identity's revocation (not one certificate's). */
  public static final String IDENTITY_REVOKED = "identity-revoked";

  public IdentityService(IdentityRepository repository, Clock clock) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The checks of the TLS handshake that do not need the database's identity table. */
  public void checkCertificate(X509Certificate cert) {
    check(cert);
  }

  /** A certificate that passed {@link #checkCertificate}: its identity and what the store said of it. */
  private record Checked(String name, String issuer, String serial, IdentityRepository.Standing standing) {}

  /** {@link #checkCertificate}, in that order, with one read of the store; the subject is parsed once. */
  private Checked check(X509Certificate cert) {
    CertificatePolicy.checkClientAuth(cert);
    CertificatePolicy.checkValidity(cert, clock.instant());
    String name = CertificatePolicy.identityOf(cert);
    String serial = CertificatePolicy.serialOf(cert);
    String issuer = CertificatePolicy.issuerOf(cert);
    IdentityRepository.Standing standing = repository.standing(name, issuer, serial);
    if (standing.identityRevoked()) {
      // told as its certificate's revocation (every certificate of it is revoked), recorded as the identity's: a
      // transfer its RevokeIdentity cut said certificate-revoked, where the maintenance round says identity-revoked
      // (round DA)
      throw new UnauthenticatedException(Reason.CERTIFICATE_REVOKED, IDENTITY_REVOKED,
          "identity '" + name + "' has been revoked on this server; its certificates are no longer accepted");
    }
    if (standing.certificateRevoked()) {
      throw new UnauthenticatedException(Reason.CERTIFICATE_REVOKED,
          "the client certificate (serial " + CertificatePolicy.shown(serial) + ") has been revoked; ask an admin");
    }
    return new Checked(name, issuer, serial, standing);
  }

  /**
   * Every check, then the identity's registration: unknown or disabled identities are refused.
   * {@code origin} is the door and address the caller came through; it is carried for the audit.
   * One read of the store per call (revocations and registration together).
   */
  public Principal authenticate(X509Certificate cert, Origin origin) {
    Objects.requireNonNull(cert, "cert");
    Objects.requireNonNull(origin, "origin");
    Checked checked = check(cert);
    String name = checked.name();
    Optional<Identity> found = checked.standing().identity();
    if (found.isEmpty()) {
      throw new UnauthenticatedException(Reason.IDENTITY_UNKNOWN,
          "identity '" + name + "' is not registered on this server; ask an admin to enrol it");
    }
    if (!found.get().enabled()) {
      throw new UnauthenticatedException(Reason.IDENTITY_DISABLED,
          "identity '" + name + "' is disabled on this server; ask an admin to re-enable it");
    }
    record(name, checked.issuer(), checked.serial()); // as the checks parsed them: nothing parsed twice per call
    return new Principal(name, found.get().role(), cert, origin);
  }

  /** The certificates recorded as seen during this run (identity, issuer, serial), so that each is written once. */
  private final java.util.Set<String> recorded = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Records, once per run, that the certificate {@code issuer}/{@code serial} authenticated as {@code name} ({@link IdentityRepository#recordCertificate}):
   * what an admin's revocation by serial is checked against. A failure to record is logged, never a refusal.
   */
  private void record(String name, String issuer, String serial) {
    String key = name + '\n' + issuer + '\n' + serial;
    if (!recorded.add(key)) {
      return;
    }
    try {
      repository.recordCertificate(name, issuer, serial, clock.instant());
    } catch (RuntimeException e) {
      recorded.remove(key);
      LOG.warn("could not record certificate serial {} of '{}' as seen: {}", CertificatePolicy.shown(serial), name,
          e.toString());
    }
  }

  /** The identities a certificate with {@code serialHex} has authenticated as ({@link #record}), first seen first. */
  public List<IdentityRepository.SeenCertificate> seenWithSerial(String serialHex) {
    return repository.certificatesWithSerial(serialHex);
  }

  /**
   * Registers identities with their roles, enabled, if they are not registered yet (the --dev users,
   * at every start). One that exists keeps its role and state: an admin's disable or revocation
   * survives a restart. Returns the identities it created now, for the audit log.
   */
  public List<Identity> registerAll(Map<String, Role> roles) {
    List<Identity> created = new java.util.ArrayList<>();
    roles.forEach((name, role) -> {
      Optional<String> taken = repository.insertUnlessTaken(new Identity(name, role, true), clock.instant());
      if (taken.isEmpty()) {
        created.add(new Identity(name, role, true));
        LOG.info("identity '{}' registered as {}", name, role.key());
      } else if (taken.get().equals(name)) {
        LOG.debug("identity '{}' already registered; its stored role and state are kept", name);
      } else {
        LOG.warn("identity '{}' not registered: {}", name, takenMessage(name, taken.get()));
      }
    });
    return created;
  }

  /**
   * Creates the first admin if that identity does not exist yet; an existing identity is left alone. Returns whether
   * it was created now, for the audit log.
   */
  public boolean bootstrapAdmin(String name) {
    Optional<String> taken = repository.insertUnlessTaken(new Identity(name, Role.ADMIN, true), clock.instant());
    if (taken.isEmpty()) {
      LOG.warn("bootstrapped admin identity '{}' from configuration", name);
      return true;
    } else if (!taken.get().equals(name)) {
      LOG.warn("admin identity '{}' not bootstrapped: {}", name, takenMessage(name, taken.get()));
    } else {
      // the name exists: kept as it is, which leaves the operator without the admin they asked for unless it is one
      Optional<Identity> existing = repository.find(name);
      if (existing.isEmpty() || repository.isIdentityRevoked(name)) {
        LOG.warn("admin identity '{}' not bootstrapped: that identity was revoked, and revoked names cannot be"
            + " reused; bootstrap another name (bootstrap-admin)", name);
      } else if (existing.get().role() != Role.ADMIN) {
        LOG.warn("admin identity '{}' not bootstrapped: it already exists as {} (an existing identity's role is"
            + " kept); bootstrap another name, or have an existing admin manage it", name, existing.get().role().key());
      } else if (!existing.get().enabled()) {
        LOG.warn("admin identity '{}' not bootstrapped: it already exists as an admin but is disabled; an existing"
            + " admin can enable it (admin identities enable)", name);
      }
    }
    return false;
  }

  /**
   * Registers a new identity, enabled: the one rule for every new name. A name equal, ignoring case
   * (names are ASCII, so Locale.ROOT case), to an existing identity's, revoked ones included, is refused with
   * {@link Reason#IDENTITY_EXISTS}: two identities that differ only by case would be mistaken for
   * each other (by an admin, or by a sender choosing a recipient).
   */
  public void add(String name, Role role) {
    String refused = IdentityNames.refusedForNew(name);
    if (!refused.isEmpty()) {
      throw new dev.sealdrop.server.core.InvalidRequestException(Reason.INVALID_REQUEST, refused);
    }
    repository.insertUnlessTaken(new Identity(name, role, true), clock.instant()).ifPresent(existing -> {
      throw new AlreadyExistsException(Reason.IDENTITY_EXISTS, takenMessage(name, existing));
    });
  }

  private static String takenMessage(String name, String existing) {
    return existing.equals(name)
        ? "identity '" + name + "' already exists (revoked names cannot be reused); see admin identities list"
        : "identity '" + name + "' differs only by case from the existing identity '" + existing + "' (names are"
            + " unique ignoring case, revoked ones included); use '" + existing + "' or choose another name; see"
            + " admin identities list";
  }

  /**
   * Enables or disables an identity (its next call is refused). A revoked identity is neither: revocation is for
   * good, and a disable would claim a state that enable could undo ({@link Reason#REVOKED_IDENTITY}).
   */
  /** Enables or disables {@code name}; returns false if it already was so (nothing is written then). */
  public boolean setEnabled(String name, boolean enabled) {
    Identity current = repository.find(name).orElseThrow(() -> new NotFoundException(
        Reason.NOT_FOUND, "no identity '" + name + "'; see admin identities list"));
    if (repository.isIdentityRevoked(name)) {
      throw new PreconditionFailedException(Reason.REVOKED_IDENTITY, enabled
          ? "identity '" + name + "' is revoked for good, so it cannot be enabled again; nothing was changed. To let"
              + " its holder in, add a new identity under another name (a revoked identity's name cannot be reused)"
          : "identity '" + name + "' is revoked for good, so it cannot be disabled: it is refused everywhere already;"
              + " nothing was changed");
    }
    if (current.enabled() == enabled) {
      LOG.debug("identity '{}' was {} already; nothing changed", name, enabled ? "enabled" : "disabled");
      return false;
    }
    // one conditional statement: a revocation committed since the checks above wins (review DR: an enable racing a
    // revoke wrote enabled=1 after it, leaving a revoked identity that every write-side check took as standing)
    if (!repository.setEnabledUnlessRevoked(name, enabled, clock.instant())) {
      if (repository.isIdentityRevoked(name)) {
        throw new PreconditionFailedException(Reason.REVOKED_IDENTITY, "identity '" + name + "' was revoked while"
            + " this was being done, for good; nothing was changed");
      }
      return false; // another admin did the same meanwhile
    }
    LOG.debug("identity '{}' {}", name, enabled ? "enabled" : "disabled"); // the admin's act logs who did it
    return true;
  }

  /** Revokes one certificate: its handshakes and its calls on live connections are refused. */
  public void revokeCertificate(X509Certificate cert) {
    repository.revokeCertificate(CertificatePolicy.issuerOf(cert), CertificatePolicy.serialOf(cert), clock.instant());
    LOG.warn("certificate serial {} of '{}' revoked", CertificatePolicy.serialOf(cert),
        cert.getSubjectX500Principal().getName());
  }

  /**
   * Revokes the certificate {@code serialHex} (lowercase hex) of {@code identity}, known by its serial
   * only: it is refused only when presented by that identity ({@link IdentityRepository#revokeCertificateOf}).
   */
  public boolean revokeCertificateOf(String identity, String serialHex) {
    boolean now = repository.revokeCertificateOf(identity, serialHex, clock.instant());
    LOG.debug("certificate serial {} of '{}' revoked{}", serialHex, identity, now ? "" : " already");
    return now;
  }

  /** Revokes an identity for good: disabled, and its certificates refused at the next handshake. */
  public void revokeIdentity(String name) {
    repository.revokeIdentity(name, clock.instant());
    LOG.debug("identity '{}' revoked", name); // the admin's act logs who did it
  }

  /**
   * Whether {@code cert} may no longer speak for its identity: the certificate's serial, or the
   * identity itself, has been revoked. For what was signed with a certificate earlier (a published
   * key bundle), not for a connection.
   */
  public boolean isRevoked(X509Certificate cert) {
    IdentityRepository.Standing standing = repository.standing(CertificatePolicy.identityOf(cert),
        CertificatePolicy.issuerOf(cert), CertificatePolicy.serialOf(cert));
    return standing.identityRevoked() || standing.certificateRevoked();
  }

  /** Whether the identity was revoked for good. */
  public boolean isRevoked(String name) {
    return repository.isIdentityRevoked(name);
  }

  public Optional<Identity> find(String name) {
    return IdentityNames.isValid(name) ? repository.find(name) : Optional.empty();
  }

  /**
   * The one rule for whom {@code caller} may grant a file to: an enabled acquirer, not the caller
   * itself. Applied when a grant is created, and when an upload is created to the recipients its
   * uploader states up front, so that a grant bound to fail is refused before any byte is sent.
   *
   * @param field the request's field that names the recipient, for the refusal of a malformed name
   * @throws dev.sealdrop.server.core.InvalidRequestException (INVALID_REQUEST) empty or not an identity name
   * @throws NotFoundException (NOT_FOUND) no such identity, or it is disabled
   * @throws PreconditionFailedException (RECIPIENT_NOT_ACQUIRER) the caller itself, or not an acquirer
   */
  public Identity grantRecipient(Principal caller, String field, String recipient) {
    dev.sealdrop.server.core.RequestFields.identity(field, recipient, n -> find(n).isPresent());
    if (caller.identity().equals(recipient)) {
      throw new PreconditionFailedException(Reason.RECIPIENT_NOT_ACQUIRER,
          "you cannot grant a file to yourself; only acquirers can receive grants");
    }
    Identity to = find(recipient).filter(Identity::enabled).orElseThrow(() -> new NotFoundException(
        Reason.NOT_FOUND, "no enabled identity '" + recipient + "' on this server (there is none of that name, or an"
            + " admin disabled or revoked it); check the name with its owner, or ask an admin"));
    if (to.role() != Role.ACQUIRER) {
      throw new PreconditionFailedException(Reason.RECIPIENT_NOT_ACQUIRER,
          "'" + recipient + "' is " + (to.role().key().matches("[aeiou].*") ? "an " : "a ") + to.role().key()
              + "; only acquirers can receive grants");
    }
    return to;
  }
}
