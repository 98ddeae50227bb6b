package dev.sealdrop.server.core.identity;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Re-authenticates the caller of a long-running stream (an upload or a download) at most once per
 * interval, so that revoking a certificate or disabling an identity also ends transfers already in
 * progress, not only the next call. The caller is authenticated again as its door authenticated it: over gRPC by the
 * certificate its connection presented, over SFTP by its key, which {@code keys renew} binds to a renewed certificate
 * while the stream runs ({@link #current} is then the renewed one's). One stream checks; an admin's act may also ask
 * ({@link #checkNow}) from another thread.
 */
public final class LiveIdentityCheck {
  private static final long INTERVAL_NANOS = 1_000_000_000L;
  private final Supplier<Principal> again;
  private final String identity;
  private volatile Principal current;
  private volatile long lastCheck;

  /** Re-checks the certificate {@code principal} presented. */
  public LiveIdentityCheck(IdentityService identities, Principal principal) {
    this(principal, sameCertificate(identities, principal));
  }

  /** Re-checks {@code principal} by {@code again}, its door's authentication of the same credential. */
  public LiveIdentityCheck(Principal principal, Supplier<Principal> again) {
    this.current = Objects.requireNonNull(principal, "principal");
    this.identity = principal.identity();
    this.again = Objects.requireNonNull(again, "again");
    this.lastCheck = System.nanoTime();
  }

  /** The authentication of the certificate {@code principal} presented, again. */
  public static Supplier<Principal> sameCertificate(IdentityService identities, Principal principal) {
    Objects.requireNonNull(identities, "identities");
    Objects.requireNonNull(principal, "principal");
    return () -> identities.authenticate(principal.certificate(), principal.origin());
  }

  /** Throws the authentication failure if the caller may no longer act; cheap between intervals. */
  public void check() {
    long now = System.nanoTime();
    if (now - lastCheck >= INTERVAL_NANOS) {
      checkNow();
    }
  }

  /** The caller as last authenticated: the certificate it acts with now (its credential, for the store's checks). */
  public Principal current() {
    return current;
  }

  /**
   * What to record for a stream a door cut for {@code cut}: for a revocation, the caller's standing as it is now, which
   * tells the revocation of its whole identity ({@code identity-revoked}) from that of one certificate
   * ({@code certificate-revoked}); the door is told only the reason, which is the same for both (round DA: a transfer
   * cut by RevokeIdentity was recorded as certificate-revoked). Anything else is {@code cut} itself.
   */
  public dev.sealdrop.server.core.SealdropException asItStands(dev.sealdrop.server.core.SealdropException cut) {
    if (cut.reason() != dev.sealdrop.server.core.Reason.CERTIFICATE_REVOKED) {
      return cut;
    }
    try {
      checkNow();
    } catch (dev.sealdrop.server.core.UnauthenticatedException now) {
      if (now.reason() == cut.reason()) {
        return now;
      }
    } catch (RuntimeException e) {
      // the store could not say: the door's cause stands
    }
    return cut;
  }

  /**
   * Checks now, whatever the interval (used to tell why a stream ended, and by a certificate's revocation to see
   * whether the stream acts with another certificate by now); the caller as it stands.
   */
  public Principal checkNow() {
    Principal p = again.get();
    if (!p.identity().equals(identity)) {
      // a door's authentication is of one identity's credential: another identity is a defect, never a follow
      throw new IllegalStateException("server: internal error: a stream of '" + identity + "' was authenticated"
          + " again as '" + p.identity() + "'");
    }
    current = p;
    lastCheck = System.nanoTime();
    return p;
  }
}
