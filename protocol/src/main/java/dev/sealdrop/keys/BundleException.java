package dev.sealdrop.keys;

import java.util.Objects;

/** A key bundle was refused; {@link #reason()} says why, the message says what to do. */
public final class BundleException extends Exception {
  /** Why a bundle was refused. Each reason is tested on its own. */
  public enum Reason {
    /** The bytes are not a well-formed sealdrop key bundle. */
    MALFORMED,
    /** The certificate key's signature over the bundle does not verify. */
    BAD_SIGNATURE,
    /** The certificate does not chain to the trusted CA. */
    UNTRUSTED_CERTIFICATE,
    /** The certificate's key algorithm cannot sign bundles (e.g. Ed448): not a forgery; get another certificate. */
    UNSUPPORTED_KEY,
    /** The certificate's subject CN, the bundle's identity and the expected identity differ. */
    IDENTITY_MISMATCH,
    /** The certificate (or a CA in its chain) is expired or not yet valid. */
    CERTIFICATE_EXPIRED,
    /** The certificate is not a client certificate: a CA certificate, or without EKU clientAuth. */
    NOT_CLIENT_AUTH,
    /** The bundle's own validity period does not include now. */
    BUNDLE_EXPIRED
  }

  private final Reason reason;

  public BundleException(Reason reason, String message) {
    super("key bundle refused (" + reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + "): " + message);
    this.reason = Objects.requireNonNull(reason);
  }

  public Reason reason() {
    return reason;
  }
}
