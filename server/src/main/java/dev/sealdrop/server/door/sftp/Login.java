package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/**
 * Who logged in on an SSH session: the user name and key blob it authenticated with, so that the
 * core can re-check both on every operation ({@link #principal}).
 */
final class Login {
  static final AttributeKey<Login> KEY = new AttributeKey<>();

  private final SshKeyService keys;
  private final String user;
  private final byte[] blob;
  private final String fingerprint;
  private static final long RECHECK_NANOS = 1_000_000_000L;
  private volatile Principal cached;
  private volatile long cachedAt;

  private final Origin origin;
  private final Principal atLogin;
  /** Why the server's re-check refused this login, or null. */
  private volatile dev.sealdrop.server.core.Reason refusedFor;

  /** {@code atLogin}: what the core authenticated the key as when the session logged in. */
  Login(SshKeyService keys, Principal atLogin, byte[] blob, String fingerprint, Origin origin) {
    this.origin = origin;
    this.keys = keys;
    this.atLogin = atLogin;
    this.user = atLogin.identity();
    this.blob = blob.clone();
    this.fingerprint = fingerprint;
  }

  /**
   * Authenticates again through the core: throws if the key, certificate or identity is no longer
   * valid. A result is reused for at most {@link #RECHECK_NANOS}, so that a directory listing
   * (one stat per entry) does not re-run the full check per entry.
   */
  Principal principal() {
    long now = System.nanoTime();
    Principal p = cached;
    if (p == null || now - cachedAt > RECHECK_NANOS) {
      p = keys.authenticate(user, blob, origin);
      cached = p;
      cachedAt = now;
    }
    return p;
  }

  /**
   * Forgets the cached check (the sweeper calls this before re-checking). A refusal's reason is remembered: the
   * session is being closed by the server for it ({@link #endedByTheServer}).
   */
  Principal recheck() {
    cached = null;
    try {
      return principal();
    } catch (dev.sealdrop.server.core.SealdropException e) {
      refusedFor = e.reason();
      throw e;
    }
  }

  /**
   * Whether the re-check ended this session for a cause its holder did not choose: the certificate the key was
   * registered through expired. Not a key removed: its holder can remove it (and add it back) at will, so a download
   * cut that way is the holder's own interruption (outside test: removing one's own key between partial reads reset
   * the interrupted-claims bound); an admin's disable or revocation reaches the download through the core instead.
   */
  boolean endedByTheServer() {
    return refusedFor == dev.sealdrop.server.core.Reason.CERTIFICATE_EXPIRED;
  }

  String user() {
    return user;
  }

  /** The caller as authenticated at login (identity, and the certificate the key was registered with). */
  Principal atLogin() {
    return atLogin;
  }

  String fingerprint() {
    return fingerprint;
  }
}
