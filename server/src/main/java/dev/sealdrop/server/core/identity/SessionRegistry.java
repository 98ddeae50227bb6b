package dev.sealdrop.server.core.identity;

/**
 * The live sessions of each identity — gRPC calls (transfers in flight among them) and SFTP
 * sessions — as {@link LiveSessions} holds them, every door registering its own there. When an
 * admin disables or revokes an identity or one of its certificates, the core closes what is open at
 * once, on every door, instead of waiting for the next call, chunk or re-check.
 */
public interface SessionRegistry {
  /** Closes every live session (gRPC call or SFTP session) of {@code identity}; returns how many were closed. */
  int closeIdentity(String identity, dev.sealdrop.server.core.Reason reason, String why);

  /**
   * Closes every live session of {@code identity} authenticated with the certificate of serial
   * {@code serialHex} (lowercase hex; over SFTP, the certificate the key was registered with); another
   * identity's sessions are left alone even if their certificate has that serial. Returns how many.
   */
  int closeCertificate(String identity, String serialHex, dev.sealdrop.server.core.Reason reason, String why);

  /**
   * Closes every upload and download stream in flight, whoever runs it (a lockdown); other calls,
   * and the admin listener's, are left alone. Returns how many were closed. (SFTP sessions are not
   * transfer streams: an SFTP read or write in progress stops at the core's per-chunk lockdown check.)
   */
  int closeTransfers(dev.sealdrop.server.core.Reason reason, String why);

  /**
   * Cuts every registered download whose grant, file or owner {@code which} matches (a grant
   * revoked, a file purged, a sender disabled or revoked), even one whose client is not reading now,
   * so that it serves nothing more; returns how many were cut. Downloads that a door does not
   * register this way still stop at their next chunk, where the core re-checks the grant.
   */
  int closeDownloads(java.util.function.Predicate<LiveSessions.Download> which, dev.sealdrop.server.core.Reason reason,
      String why);
}
