package dev.sealdrop.client.trust;

import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.keys.BundleException;
import dev.sealdrop.keys.BundleVerifier;
import dev.sealdrop.keys.KeyBundle;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a key bundle speaks for an identity: it must verify against the profile's CA
 * (chain, EKU, signature, identity, validity) and match the pinned key, if any (trust on first
 * use). A changed key is refused, showing both fingerprints, unless the user explicitly accepts
 * it. Same fingerprint with new bytes (a renewed bundle) silently updates the pin.
 */
public final class KeyTrust {
  /** How a verified bundle related to the pin. */
  public enum PinOutcome { FIRST_USE, KNOWN, REPLACED }

  /** A bundle we trust, and how we came to. */
  public record Trusted(KeyBundle bundle, PinOutcome outcome, Optional<String> previousFingerprint) {}

  private final BundleVerifier verifier;
  private final PinStore pins;

  public KeyTrust(X509Certificate ca, Clock clock, PinStore pins) {
    this.verifier = new BundleVerifier(Objects.requireNonNull(ca, "ca"), Objects.requireNonNull(clock, "clock"));
    this.pins = Objects.requireNonNull(pins, "pins");
  }

  /** Verifies {@code encoded} as {@code identity}'s bundle and pins it (TOFU). */
  public Trusted accept(byte[] encoded, String identity, boolean acceptNewKey) throws IntegrityFailure, KeyStoreFailure {
    KeyBundle b = verify(encoded, identity);
    Optional<KeyBundle> old = pinned(identity);
    try {
      if (old.isEmpty()) {
        pins.pin(b);
        return new Trusted(b, PinOutcome.FIRST_USE, Optional.empty());
      }
      String before = old.get().fingerprint();
      if (before.equals(b.fingerprint())) {
        if (b.notAfter().isAfter(old.get().notAfter())) {
          pins.pin(b);
        }
        return new Trusted(b, PinOutcome.KNOWN, Optional.empty());
      }
      if (!acceptNewKey) {
        throw new IntegrityFailure("KEY_CHANGED", identity + "'s key changed: pinned " + before + ", now offered "
            + b.fingerprint(), "confirm the new fingerprint with " + identity + " by another channel (phone, in "
            + "person); only then re-run with --accept-new-key", null);
      }
      pins.pin(b);
      return new Trusted(b, PinOutcome.REPLACED, Optional.of(before));
    } catch (IOException e) {
      throw new KeyStoreFailure("PIN_STORE", "cannot update pinned keys: " + IoReason.of(e),
          "check the profile folder's permissions and free space", e);
    }
  }

  /** Whether a key of {@code identity} is pinned; not verified: a pin that no longer verifies, is damaged or cannot be read counts. */
  public boolean hasPin(String identity) {
    try {
      return pinned(identity).isPresent();
    } catch (KeyStoreFailure damagedOrUnreadable) {
      return true;
    }
  }

  /**
   * The signing-key fingerprint of the bundle pinned for {@code identity}, as stored, without verifying it: only to
   * tell a user which key a pin that no longer verifies (expired) holds, never to trust anything with. Empty if nothing
   * of it can be read.
   */
  public Optional<String> pinnedSigningKeyAsStored(String identity) {
    try {
      return pinned(identity).map(b -> b.verifyingKey().fingerprint());
    } catch (KeyStoreFailure | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The pinned bundle of {@code identity}, re-verified against the CA now. */
  public Optional<KeyBundle> pinnedVerified(String identity) throws IntegrityFailure, KeyStoreFailure {
    Optional<KeyBundle> p = pinned(identity);
    if (p.isEmpty()) {
      return p;
    }
    return Optional.of(verify(p.get().encoded(), identity));
  }

  /** Verifies a bundle against the CA without touching pins. */
  public KeyBundle verify(byte[] encoded, String identity) throws IntegrityFailure {
    try {
      return verifier.verify(encoded, identity);
    } catch (BundleException e) {
      // a certificate whose validity starts later is a clock's doing, not one to renew (round BB)
      throw new IntegrityFailure(reasonName(e.reason()), e.getMessage(), e.getMessage().contains("not valid yet")
          ? "check this machine's clock, and ask " + identity + " to check the clock of the machine that issued their"
              + " certificate; renewing does not help while a clock is wrong"
          : e.reason() == BundleException.Reason.UNTRUSTED_CERTIFICATE && e.getMessage().contains("intermediate CA")
              // from the CA, through an intermediate the rule refuses (review EG: told "not from this server's CA")
              ? "the certificate comes through an intermediate CA that may not issue identities (as the server's TLS"
                  + " port refuses it too): " + identity + "'s CA must issue that intermediate again (allowing"
                  + " clientAuth, signed with SHA-256 or stronger) and " + identity + " a certificate under it"
              : hint(e.reason(), identity), e);
    }
  }

  /** The stable reason scripts see: the bundle refusal's name under one {@code BUNDLE_} prefix. */
  static String reasonName(BundleException.Reason reason) {
    String name = reason.name();
    return name.startsWith("BUNDLE_") ? name : "BUNDLE_" + name;
  }

  /**
   * A bundle whose certificate is not from this CA cannot be mended by its owner re-publishing it:
   * say so, and that the sender is worth checking, instead of "ask them to run keys publish".
   */
  static String hint(BundleException.Reason reason, String identity) {
    if (reason == BundleException.Reason.UNSUPPORTED_KEY) {
      return "re-publishing cannot mend it: " + identity + " needs a certificate for a key type sealdrop supports"
          + " (from the CA), then a new profile with it (`sealdrop init`) and `sealdrop keys publish`";
    }
    if (reason == BundleException.Reason.UNTRUSTED_CERTIFICATE) {
      return "the bundle's certificate is not from this server's CA, so re-publishing cannot mend it:"
          + " verify who gave you this bundle for " + identity + ", and do not use it";
    }
    if (reason == BundleException.Reason.CERTIFICATE_EXPIRED || reason == BundleException.Reason.BUNDLE_EXPIRED) {
      return "if " + identity + " renewed already, fetch the renewed bundle with `sealdrop keys show " + identity + "`"
          + " (or `sealdrop keys import` a file they exported since); otherwise ask " + identity + " to renew their"
          + " certificate with the CA and run `sealdrop keys renew --cert NEW.crt --key NEW.key` (their keys and"
          + " fingerprint stay the same); if the dates look right, check this machine's clock";
    }
    return "the key bundle of " + identity + " cannot be trusted; ask " + identity + " to run `sealdrop keys publish`";
  }

  private Optional<KeyBundle> pinned(String identity) throws KeyStoreFailure {
    try {
      return pins.pinned(identity);
    } catch (PinStore.UnreadablePin e) {
      throw new KeyStoreFailure("PIN_UNREADABLE", e.getMessage(), "check the file's owner and permissions (`ls -l`): a"
          + " profile's files must be yours, mode 600; do not delete it, it is what tells you if " + identity + "'s"
          + " key changes", e);
    } catch (IOException e) {
      throw new KeyStoreFailure("PIN_DAMAGED", e.getMessage(),
          "delete the damaged pin file to trust " + identity + "'s key anew on next use", e);
    }
  }
}
