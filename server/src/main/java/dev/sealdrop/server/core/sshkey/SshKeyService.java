package dev.sealdrop.server.core.sshkey;

import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnauthenticatedException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.CertificatePolicy;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers, lists and removes SSH public keys, and authenticates SSH logins with them. Every
 * login goes through {@link IdentityService#authenticate} with the certificate the key was
 * registered with: the one way into the core that the gRPC door uses too (SECURITY.md §0 rule 6).
 */
public final class SshKeyService {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  /** How many SSH keys one identity may register. */
  public static final int MAX_KEYS_PER_IDENTITY = 16;
  private static final String UNKNOWN_KEY = "this SSH key is not registered for that user; register it with"
      + " 'sealdrop keys add-ssh FILE.pub' and log in with your identity as the user name";

  private final SshKeyRepository repository;
  private final IdentityService identities;
  private final Clock clock;
  private final Audit audit;
  /** The CA the server trusts now: every certificate its TLS door accepts chains to it. */
  private final X509Certificate ca;
  private final String caKey;

  /** {@code ca}: the CA the server trusts (its TLS door accepts only certificates that chain to it). */
  public SshKeyService(SshKeyRepository repository, IdentityService identities, X509Certificate ca, Clock clock,
      Audit audit) {
    this.ca = Objects.requireNonNull(ca, "ca");
    this.caKey = caKeyOf(ca);
    this.audit = Objects.requireNonNull(audit, "audit");
    this.repository = Objects.requireNonNull(repository, "repository");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Registers one OpenSSH public key line for the caller, bound to the caller's certificate. Audited. */
  public SshKey add(Principal caller, String openSshLine) {
    Added added;
    SshPublicKey key = null;
    try {
      key = SshPublicKey.parse(openSshLine);
      added = doAdd(caller, key);
    } catch (RuntimeException e) {
      // the fingerprint of a key that parsed (refused for its size, as another's, or one too many), so the
      // record says which key was refused
      audit.record(caller, "sshkey.add", "identity:" + caller.identity(), Audit.resultOf(e),
          key == null ? Map.of() : Map.of("fingerprint", key.fingerprint()));
      throw e;
    }
    Map<String, String> details = new java.util.TreeMap<>();
    details.put("fingerprint", added.key().fingerprint());
    // a key moved from another certificate (keys renew): which one (as admin.certificate.revoke names a serial), so
    // that an auditor can tell the keys that came in through a certificate later found exposed (outside test: the
    // record read as a plain add)
    added.reboundFrom().ifPresent(from -> details.put("rebound-from-serial", from));
    audit.record(caller, "sshkey.add", "identity:" + caller.identity(), "ok", details);
    return added.key();
  }

  /** A key added, and the serial ({@link CertificatePolicy#serialOf}) of the certificate it was bound to before, if it was moved. */
  private record Added(SshKey key, Optional<String> reboundFrom) {}

  private Added doAdd(Principal caller, SshPublicKey key) {
    byte[] certificate = encoded(caller);
    Optional<SshKey> mine = repository.find(key.fingerprint()).filter(k -> k.identity().equals(caller.identity()));
    if (mine.isPresent()) {
      if (MessageDigest.isEqual(mine.get().registeredWith(), certificate)) {
        if (!caKey.equals(mine.get().caKey())) {
          // registered before the server recorded its CA with the key (V52), or under a CA replaced since: the
          // caller's certificate chained to the current CA at this connection's handshake, so the key is bound under
          // it now (review DP: re-running add-ssh, as the login refusal says, changed nothing)
          SshKey bound = new SshKey(caller.identity(), key, mine.get().addedAt(), certificate, caKey);
          if (repository.rebind(bound)) {
            LOG.info("SSH key {} of '{}' bound under the server's current CA", key.fingerprint(), caller.identity());
            return new Added(bound, Optional.empty());
          }
        }
        // re-running add-ssh with the same key: it is the caller's already, nothing to do (and nothing to refuse)
        LOG.info("SSH key {} already registered by '{}'; kept as it is", key.fingerprint(), caller.identity());
        return new Added(mine.get(), Optional.empty());
      }
      // the caller's key, registered through another (older) certificate: bind it to this one, as after a
      // renewal, in one step (removing and adding it would refuse a login in between). It keeps the time it was first
      // added: a key that whoever held an exposed certificate added must not look as new as the renewal
      String from = CertificatePolicy.serialOf(mine.get().registrationCertificate());
      SshKey rebound = new SshKey(caller.identity(), key, mine.get().addedAt(), certificate, caKey);
      if (repository.rebind(rebound)) {
        LOG.info("SSH key {} of '{}' registered again through its current certificate (was certificate serial {})",
            key.fingerprint(), caller.identity(), CertificatePolicy.shown(from));
        return new Added(rebound, Optional.of(from));
      }
      // removed meanwhile: register it as a new key
    }
    if (repository.listByIdentity(caller.identity()).size() >= MAX_KEYS_PER_IDENTITY) {
      throw new LimitExceededException(Reason.TOO_MANY_SSH_KEYS, "'" + caller.identity() + "' has "
          + MAX_KEYS_PER_IDENTITY + " SSH keys, the most allowed; remove one with 'sealdrop keys remove-ssh'");
    }
    SshKey entry = new SshKey(caller.identity(), key, clock.instant(), certificate, caKey);
    if (!repository.add(entry)) {
      // Another identity's key (the caller's own is answered above): whose it is is not ours to tell.
      throw new PreconditionFailedException(Reason.SSH_KEY_REGISTERED, "the SSH key " + key.fingerprint()
          + " is already in use on this server and cannot be registered for you; use a new key pair");
    }
    LOG.info("SSH key {} ({}, {} bits) registered by '{}'", key.fingerprint(), key.algorithm(), key.bits(),
        caller.identity());
    return new Added(entry, Optional.empty());
  }

  private static byte[] encoded(Principal caller) {
    try {
      return caller.certificate().getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("server: internal error: cannot encode the caller's certificate", e);
    }
  }

  /**
   * Whether the certificate {@code key} was registered through, or its identity, is revoked: it does not log in, and
   * whoever held that certificate may have registered it.
   */
  public boolean vouchedForByRevoked(SshKey key) {
    return identities.isRevoked(key.registrationCertificate());
  }

  /** The keys of {@code identity} (empty: the caller's own); only admins may list someone else's. */
  public List<SshKey> list(Principal caller, String identity) {
    String target = target(caller, identity, "list another identity's SSH keys");
    List<SshKey> keys = repository.listByIdentity(target);
    if (keys.isEmpty()) {
      requireKnown(caller, target); // an admin's typo must not read as "this identity has no SSH keys"
    }
    return keys;
  }

  /** Refuses another identity that does not exist ({@code NOT_FOUND}, saying so), as list and remove both do. */
  private void requireKnown(Principal caller, String target) {
    if (!target.equals(caller.identity()) && identities.find(target).isEmpty()) {
      throw new NotFoundException(Reason.NOT_FOUND, "no identity '" + target + "' on this server;"
          + " `sealdrop admin identities list` lists them");
    }
  }

  /**
   * Removes a key of {@code identity} (empty: the caller's own); only admins may remove someone
   * else's. Audited as {@code sshkey.remove}.
   */
  public SshKey remove(Principal caller, String fingerprint, String identity) {
    String target = identity == null || identity.isEmpty() ? caller.identity()
        : dev.sealdrop.server.core.RequestFields.identityOrEmpty(identity, n -> identities.find(n).isPresent());
    SshKey removed;
    try {
      removed = doRemove(caller, fingerprint, identity);
    } catch (RuntimeException e) {
      // the fingerprint as the server prints it, and only if it is one: not what was typed or pasted there
      String named = normalFingerprint(fingerprint);
      audit.record(caller, "sshkey.remove", "identity:" + target, Audit.resultOf(e),
          named.isEmpty() ? Map.of() : Map.of("fingerprint", named));
      throw e;
    }
    audit.record(caller, "sshkey.remove", "identity:" + target, "ok", Map.of("fingerprint", removed.fingerprint()));
    return removed;
  }

  /** An SSH key fingerprint as {@code ssh-keygen -l} prints it: the base64 is case-sensitive, the prefix is not. */
  private static final java.util.regex.Pattern SSH_FINGERPRINT = java.util.regex.Pattern.compile("SHA256:[A-Za-z0-9+/]{43}");

  /**
   * {@code given} as the server stores and prints an SSH key fingerprint ({@code SHA256:} in that case,
   * its base64 as given: that is case-sensitive), or "" if it is not one.
   */
  static String normalFingerprint(String given) {
    String fingerprint = given != null && given.regionMatches(true, 0, "SHA256:", 0, 7) ? "SHA256:" + given.substring(7)
        : given;
    return fingerprint != null && SSH_FINGERPRINT.matcher(fingerprint).matches() ? fingerprint : "";
  }

  private SshKey doRemove(Principal caller, String given, String identity) {
    String owner = target(caller, identity, "remove another identity's SSH keys");
    dev.sealdrop.server.core.RequestFields.check("fingerprint", given, f -> !normalFingerprint(f).isEmpty(),
        "SHA256: followed by 43 base64 characters, as `sealdrop keys list-ssh` (ListSshKeys) shows it");
    String fingerprint = normalFingerprint(given);
    Optional<SshKey> found = repository.find(fingerprint).filter(k -> k.identity().equals(owner));
    if (found.isEmpty()) {
      requireKnown(caller, owner); // not "'nosuch' has no SSH key ...": there is no 'nosuch'
    }
    SshKey key = found.orElseThrow(() -> new NotFoundException(Reason.NOT_FOUND, "'" + owner + "' has no SSH key "
        + fingerprint + "; see 'sealdrop keys list-ssh'"));
    if (!repository.remove(owner, key.fingerprint())) {
      throw new NotFoundException(Reason.NOT_FOUND, "the SSH key " + fingerprint + " was removed meanwhile");
    }
    LOG.warn("SSH key {} of '{}' removed by '{}'", key.fingerprint(), owner, caller.identity());
    return key;
  }

  /**
   * An SSH login: {@code user} presents the key {@code blob} (SSH wire encoding; the SSH layer has
   * already verified the signature). Refused unless the key is registered to exactly that identity
   * and the certificate it was registered with passes every check of {@link IdentityService}.
   * Refusals are logged at DEBUG only: anyone can make them by the thousand (public keys are public, and an unknown
   * key needs nothing at all), so the door logs a refused connection once, when the audit's refusal budget admits
   * its record.
   */
  public Principal authenticate(String user, byte[] blob, Origin origin) {
    SshPublicKey presented;
    try {
      presented = SshPublicKey.fromBlob(blob, "");
    } catch (InvalidRequestException e) {
      LOG.debug("SSH login as '{}' refused: key type or size not accepted", loggable(user));
      throw new UnauthenticatedException(Reason.CERTIFICATE_INVALID, e.getMessage());
    }
    if (!presented.accepted()) {
      // an ECDSA key registered before session 58 (the door offers no ECDSA signature either)
      LOG.debug("SSH login as '{}' refused: key type {} no longer accepted", loggable(user), presented.algorithm());
      throw new UnauthenticatedException(Reason.CERTIFICATE_INVALID, "SSH keys of type " + presented.algorithm()
          + " are no longer accepted; register an ssh-ed25519 key with `sealdrop keys add-ssh`");
    }
    Optional<SshKey> found = repository.find(presented.fingerprint())
        .filter(k -> MessageDigest.isEqual(k.key().blob(), presented.blob()));
    if (found.isEmpty() || !found.get().identity().equals(user)) {
      LOG.debug("SSH login as '{}' refused: key {} is not registered for it", loggable(user), presented.fingerprint());
      throw notRegistered(user);
    }
    X509Certificate cert = found.get().registrationCertificate();
    if (!registeredUnderThisCa(found.get(), cert)) {
      LOG.debug("SSH login as '{}' with key {} refused: registered through a certificate of another CA than the"
          + " server's", loggable(user), presented.fingerprint());
      throw new UnauthenticatedException(Reason.CERTIFICATE_INVALID, found.get().caKey() == null
          ? "this SSH key was registered before this server recorded the CA of each key, through a certificate its CA"
              + " did not sign itself (an intermediate CA's, or another CA's); register the key again with 'sealdrop"
              + " keys add-ssh FILE.pub' from a profile whose certificate this server's CA issued"
          : "this SSH key was registered through a client certificate of another CA than the one this server trusts"
              + " now (the server's CA was replaced); get a certificate from the current CA, then register the key"
              + " again with 'sealdrop keys add-ssh FILE.pub' from a profile that uses it");
    }
    Principal principal;
    try {
      principal = identities.authenticate(cert, origin);
    } catch (RuntimeException e) {
      LOG.debug("SSH login as '{}' with key {} refused: {}", loggable(user), presented.fingerprint(), e.getMessage());
      if (e instanceof UnauthenticatedException u && u.reason() == Reason.CERTIFICATE_EXPIRED) {
        // renewing the certificate is not enough: the key stays bound to the expired one until registered again
        throw new UnauthenticatedException(Reason.CERTIFICATE_EXPIRED, "this SSH key was registered through a client"
            + " certificate that " + e.getMessage().replaceFirst("^the client certificate ", "") + ", then run"
            + " 'sealdrop keys renew --cert NEW.crt --key NEW.key' with the renewed one (it binds your SSH keys to it)"
            + " or register the key again with 'sealdrop keys add-ssh FILE.pub'");
      }
      if (e instanceof UnauthenticatedException u && u.reason() == Reason.CERTIFICATE_REVOKED
          && !identities.isRevoked(user)) {
        // the certificate, not the identity: a new certificate can vouch for the key once it is registered again
        throw new UnauthenticatedException(Reason.CERTIFICATE_REVOKED, "this SSH key was registered through a client"
            + " certificate (serial " + CertificatePolicy.shown(CertificatePolicy.serialOf(cert)) + ") that has been revoked; ask an admin for"
            + " a new certificate, then register the key again with 'sealdrop keys add-ssh FILE.pub' from a profile"
            + " that uses it (keys renew does not move keys registered through a revoked certificate: whoever held it"
            + " may have added them)");
      }
      throw e;
    }
    if (!principal.identity().equals(user)) {
      throw notRegistered(user);
    }
    return principal;
  }

  /**
   * The CA a key is registered under: the SHA-256 of {@code ca}'s public key (SubjectPublicKeyInfo), in hex. The key,
   * not the certificate: a CA certificate renewed with the same key still vouches for what it issued.
   */
  public static String caKeyOf(X509Certificate ca) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(ca.getPublicKey().getEncoded()));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /**
   * Whether {@code key} was registered while the server trusted the CA it trusts now (review DH: after the operator
   * replaced the CA, a key registered through a certificate of the old one still logged in over SFTP, while every
   * TLS handshake of that certificate was refused). A key registered before the CA was recorded with it: its
   * registration certificate must be signed by the current CA itself (one issued by an intermediate CA must be
   * registered again).
   */
  private boolean registeredUnderThisCa(SshKey key, X509Certificate registeredWith) {
    if (key.caKey() != null) {
      return MessageDigest.isEqual(key.caKey().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          caKey.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    if (!registeredWith.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      return false;
    }
    try {
      registeredWith.verify(ca.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * The refusal of a key not registered for {@code user}: the audit tells a name that is an identity (a key not its
   * own, or removed) from one that is not (round Y: an admin's name read as a probe of a name that does not exist).
   * The message, which a client may see, is the same for both.
   */
  private UnauthenticatedException notRegistered(String user) {
    boolean identity = identities.find(user).isPresent(); // (a name that cannot be an identity is not looked up)
    return new UnauthenticatedException(identity ? Reason.SSH_KEY_NOT_REGISTERED : Reason.IDENTITY_UNKNOWN, UNKNOWN_KEY);
  }

  private String target(Principal caller, String identity, String action) {
    if (identity == null || identity.isEmpty() || identity.equals(caller.identity())) {
      return caller.identity();
    }
    caller.require(Role.ADMIN, action);
    return dev.sealdrop.server.core.RequestFields.identity("identity", identity, n -> identities.find(n).isPresent());
  }

  /** A user name that is a grant token's secret part without its prefix: 43 base64url characters. */
  private static final java.util.regex.Pattern BARE_SECRET_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{43}");

  /**
   * A user name with this many base64url characters or more may hold most of a token's secret (43 of them): it is not
   * logged as given. An identity name that long whose login is refused is logged redacted too.
   */
  static final int SECRET_LIKE = 40;

  private static int base64UrlCharacters(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
        n++;
      }
    }
    return n;
  }

  /**
   * A user name an SSH client sent, fit for a log line (a grant token's secret part is redacted): at most 64 characters, anything but letters, digits and
   * {@code ._@-} shown as {@code ?} (a client chooses it, so it could forge lines or hide in control characters).
   */
  public static String loggable(String user) {
    if (user != null && (BARE_SECRET_NAME.matcher(user).matches() || base64UrlCharacters(user) >= SECRET_LIKE)) {
      // a grant token's secret part typed as the user name (round AY), also with something around it or a character
      // mistyped ("sdg-" for "sdg_", a space, "bob" before it: round BJ), which left nearly all of it in the log:
      // never logged or audited as given
      return dev.sealdrop.server.logging.SecretRedaction.BARE_REDACTED;
    }
    String cut = user == null ? "" : user.length() > 64 ? user.substring(0, 64) : user;
    String shown = cut.replaceAll("[^A-Za-z0-9._@-]", "?");
    // nor as one of the audit log's own actors, the server's or none (round AI: a login tried as "server" was
    // recorded with the actor of the server's own acts)
    return dev.sealdrop.server.core.identity.IdentityNames.isReserved(shown) || shown.equals("-") ? "?" + shown : shown;
  }
}
