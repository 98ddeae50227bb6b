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

  /** Checks now, whatever the interval (used to tell why a stream ended). */
  public void checkNow() {
    identities.authenticate(principal.certificate(), principal.origin());
    lastCheck = System.nanoTime();
  }
}
