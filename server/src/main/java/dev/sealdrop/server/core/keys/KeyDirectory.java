package dev.sealdrop.server.core.keys;

import dev.sealdrop.keys.BundleException;
import dev.sealdrop.keys.BundleVerifier;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Principal;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key directory: stores and serves signed key bundles, never private keys. A bundle is
 * accepted only from its own identity, verified against the deployment CA, and signed with the very
 * certificate the caller presented on this connection. The server is not trusted for key
 * authenticity (clients verify and pin); these checks refuse mistakes and impostors early.
 */
public final class KeyDirectory {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  /** A bundle is a few KiB (two public keys and a certificate chain); anything larger is refused unread. */
  public static final int MAX_BUNDLE_BYTES = 64 * 1024;

  private final BundleRepository bundles;
  private final IdentityService identities;
  private final BundleVerifier verifier;
  private final Clock clock;
  private final Audit audit;

  public KeyDirectory(BundleRepository bundles, IdentityService identities, X509Certificate trustAnchor, Clock clock,
      Audit audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.bundles = Objects.requireNonNull(bundles, "bundles");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.verifier = new BundleVerifier(trustAnchor, clock);
    this.clock = clock;
  }

  /** Verifies and stores the caller's bundle; returns its fingerprint. Audited as {@code key.publish}. */
  public String publish(Principal caller, byte[] encoded) {
    String fingerprint;
    try {
      fingerprint = doPublish(caller, encoded);
    } catch (RuntimeException e) {
      audit.record(caller, "key.publish", "", Audit.resultOf(e), Map.of());
      throw e;
    }
    audit.record(caller, "key.publish", "identity:" + caller.identity(), "ok", Map.of("fingerprint", fingerprint));
    return fingerprint;
  }

  /**
   * The refusal of a bundle that starts later than the server's clock says so from the server's side: the verifier's
   * own words ("this computer's clock or the clock of NAME is wrong") reached the publisher as if "this computer" were
   * theirs, with the CLI's hint to check the arguments. A bundle is valid from an hour before it was signed, so this
   * means the server's clock is more than an hour behind the publisher's (or theirs ahead).
   */
  private java.util.Optional<String> notYetValidHere(byte[] encoded) {
    java.time.Instant now = clock.instant();
    try {
      KeyBundle b = KeyBundle.decode(encoded);
      if (!now.isBefore(b.notBefore())) {
        return java.util.Optional.empty();
      }
      java.time.Instant shownNow = now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
      long behind = java.time.Duration.between(shownNow, b.notBefore()).toMinutes();
      return java.util.Optional.of("key bundle refused (not yet valid by the server's clock): your key bundle is valid"
          + " from " + b.notBefore() + " (an hour before it was signed), but by the server's clock it is " + shownNow
          + ", " + behind + " min earlier: the server's clock is behind this machine's, or this machine's is ahead;"
          + " check this machine's (`date -u`), and if it is right, ask the server's operator to correct the server's"
          + " clock, then publish again (nothing was published)");
    } catch (BundleException | RuntimeException notReadable) {
      return java.util.Optional.empty();
    }
  }

  private String doPublish(Principal caller, byte[] encoded) {
    if (encoded == null || encoded.length == 0 || encoded.length > MAX_BUNDLE_BYTES) {
      throw new InvalidRequestException(Reason.BUNDLE_INVALID,
          "a key bundle of 1 to " + MAX_BUNDLE_BYTES + " bytes is required; export it with the sealdrop CLI");
    }
    KeyBundle bundle;
    try {
      bundle = verifier.verify(encoded, caller.identity());
    } catch (BundleException e) {
      LOG.warn("bundle from '{}' refused: {}", caller.identity(), e.reason());
      if (e.reason() == BundleException.Reason.IDENTITY_MISMATCH
          || e.reason() == BundleException.Reason.UNTRUSTED_CERTIFICATE) {
        throw new PermissionDeniedException(Reason.BUNDLE_NOT_YOURS, e.getMessage());
      }
      // only a bundle refused for its start (the verifier's last check): one refused for its signature or certificate
      // keeps that reason, whatever its start says
      throw new InvalidRequestException(Reason.BUNDLE_INVALID, (e.reason() == BundleException.Reason.BUNDLE_EXPIRED
          ? notYetValidHere(encoded) : java.util.Optional.<String>empty()).orElse(e.getMessage()));
    }
    if (!bundle.certificate().equals(caller.certificate())) {
      LOG.warn("bundle from '{}' refused: signed with another certificate than the connection's", caller.identity());
      throw new PermissionDeniedException(Reason.BUNDLE_NOT_YOURS, "the bundle is signed with a different certificate"
          + " (serial " + dev.sealdrop.server.core.identity.CertificatePolicy.shown(
              dev.sealdrop.server.core.identity.CertificatePolicy.serialOf(bundle.certificate())) + ") than the one you connected with;"
          + " sign it with your current client certificate");
    }
    bundles.put(new StoredBundle(caller.identity(), encoded, bundle.fingerprint(), clock.instant()));
    LOG.info("bundle {} published by '{}'", bundle.fingerprint(), caller.identity());
    return bundle.fingerprint();
  }

  /**
   * The current bundle of an enabled identity, unless the certificate it was signed with has been
   * revoked since: clients verify a bundle against the CA but cannot know of sealdrop's revocations,
   * so a bundle a thief published with a stolen certificate must stop being served once an admin
   * revokes that certificate. Its owner publishes again with a current certificate.
   */
  public StoredBundle fetch(String identity) {
    dev.sealdrop.server.core.RequestFields.identity("identity", identity, n -> identities.find(n).isPresent());
    boolean enabled = identities.find(identity).map(i -> i.enabled()).orElse(false);
    return bundles.find(identity).filter(b -> enabled).filter(b -> !revoked(b)).orElseThrow(() ->
        new NotFoundException(Reason.NOT_FOUND, "no key bundle for '" + identity + "': the identity is unknown,"
            + " disabled, has not published one, or published it with a certificate since revoked"));
  }

  /**
   * The fingerprint of the encryption key in {@code identity}'s current bundle, if it has one that
   * is served ({@link #fetch}) and still verifies against the CA now (not expired since it was
   * published): the key a file granted to that identity must be sealed for. Empty if there is none.
   */
  public java.util.Optional<String> recipientKeyOf(String identity) {
    StoredBundle stored;
    try {
      stored = fetch(identity);
    } catch (NotFoundException e) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(verifier.verify(stored.encoded(), identity).recipientKey().fingerprint());
    } catch (BundleException e) {
      return java.util.Optional.empty();
    }
  }

  /** The signing key of an identity's current bundle: what its uploads must be signed with. */
  public VerifyingKey signingKeyOf(String identity) {
    StoredBundle stored = bundles.find(identity).orElseThrow(() -> new PreconditionFailedException(
        Reason.BUNDLE_REQUIRED, "'" + identity + "' has no published key bundle; publish yours before uploading"));
    if (revoked(stored)) {
      // nobody could fetch it to verify the sender (see fetch)
      throw new PreconditionFailedException(Reason.BUNDLE_REQUIRED, "the published key bundle of '" + identity + "' is"
          + " signed with a certificate that has been revoked; publish it again with your current certificate");
    }
    return decode(stored).verifyingKey();
  }

  /**
   * The certificate that signed {@code identity}'s stored bundle, served or not (revoked, expired, the identity
   * disabled): for an admin asking which certificates the server has seen speak for whom. Empty without a bundle.
   */
  public java.util.Optional<X509Certificate> signingCertificateOf(String identity) {
    return bundles.find(identity).map(b -> decode(b).certificate());
  }

  private boolean revoked(StoredBundle stored) {
    return identities.isRevoked(decode(stored).certificate());
  }

  private static KeyBundle decode(StoredBundle stored) {
    try {
      return KeyBundle.decode(stored.encoded());
    } catch (BundleException e) {
      throw new IllegalStateException("server: internal error: a stored bundle no longer parses", e);
    }
  }
}
