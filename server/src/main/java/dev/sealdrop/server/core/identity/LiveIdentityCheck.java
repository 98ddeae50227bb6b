package dev.sealdrop.server.core.identity;

import java.util.Objects;

/**
 * Re-authenticates the caller of a long-running stream (an upload or a download) at most once per
 * interval, so that revoking a certificate or disabling an identity also ends transfers already in
 * progress, not only the next call. Not thread-safe: one per stream.
 */
public final class LiveIdentityCheck {
  private static final long INTERVAL_NANOS = 1_000_000_000L;
  private final IdentityService identities;
  private final Principal principal;
  private long lastCheck;

  public LiveIdentityCheck(IdentityService identities, Principal principal) {
    this.identities = Objects.requireNonNull(identities, "identities");
    this.principal = Objects.requireNonNull(principal, "principal");
    this.lastCheck = System.nanoTime();
  }

  /** Throws the authentication failure if the caller may no longer act; cheap between intervals. */
  public void check() {
    long now = System.nanoTime();
    if (now - lastCheck >= INTERVAL_NANOS) {
      identities.authenticate(principal.certificate(), principal.origin());
      lastCheck = now;
    }
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

  /** Checks now, whatever the interval (used to tell why a stream ended). */
  public void checkNow() {
    identities.authenticate(principal.certificate(), principal.origin());
    lastCheck = System.nanoTime();
  }
}
