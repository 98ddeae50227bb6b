package dev.sealdrop.server.core.identity;

/**
 * Port: the live calls (connections, transfers in flight) of each identity, implemented by every
 * door. When an admin disables or revokes an identity or one of its certificates, the core asks the
 * doors to close what is open at once, instead of waiting for the next call or chunk.
 */
public interface SessionRegistry {
  /** Closes every live call of {@code identity}; returns how many were closed. */
  int closeIdentity(String identity, dev.sealdrop.server.core.Reason reason, String why);

  /**
   * Closes every live call of {@code identity} made with the certificate of serial {@code serialHex}
   * (lowercase hex); another identity's calls are left alone even if their certificate has that serial.
   */
  int closeCertificate(String identity, String serialHex, dev.sealdrop.server.core.Reason reason, String why);

  /**
   * Closes every upload and download stream in flight, whoever runs it (a lockdown); other calls,
   * and the admin listener's, are left alone. Returns how many were closed.
   */
  int closeTransfers(dev.sealdrop.server.core.Reason reason, String why);
}
