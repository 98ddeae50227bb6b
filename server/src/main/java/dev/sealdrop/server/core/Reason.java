package dev.sealdrop.server.core;

/**
 * The machine-readable reason for a refusal. Doors pass it to clients verbatim (the gRPC door as
 * the trailer {@code sealdrop-reason}), so its names are part of the public API: add, never rename.
 */
public enum Reason {
  // authentication
  CERTIFICATE_INVALID,
  CERTIFICATE_EXPIRED,
  CERTIFICATE_NOT_CLIENT_AUTH,
  CERTIFICATE_REVOKED,
  IDENTITY_UNKNOWN,
  /**
   * An SSH login (the SFTP door) with a key that is not registered for the user name given, which is an identity: the
   * key is registered to no one or to another identity, or was removed. A name that is no identity is
   * {@link #IDENTITY_UNKNOWN}. The client is told neither: an SSH client sees only a refused key.
   */
  SSH_KEY_NOT_REGISTERED,
  IDENTITY_DISABLED,
  // authorisation
  ROLE_FORBIDDEN,
  NOT_RECIPIENT,
  NOT_OWNER,
  // lookups
  NOT_FOUND,
  // requests
  INVALID_REQUEST,
  /** An admin adds an identity whose name is taken (in any state: revoked names are not reused). */
  IDENTITY_EXISTS,
  /** An admin tried to disable or revoke itself (or its own certificate under another name): ask another admin. */
  SELF_ACTION_REFUSED,
  /**
   * An admin tried to enable or disable an identity that is revoked: revocation is for good, nothing was changed; add
   * a new identity instead. About the identity the request names, not the caller (whose own revocation is
   * {@link #CERTIFICATE_REVOKED}); not named IDENTITY_... since clients read that prefix as a refusal of their own.
   */
  REVOKED_IDENTITY,
  /**
   * An admin tried to revoke, under one identity, a certificate serial the server knows as another identity's (it
   * signed that one's key bundle or registered its SSH key): nothing was revoked; revoke it under its owner.
   */
  CERTIFICATE_OF_ANOTHER_IDENTITY,
  /** An admin act that must say why was given no reason (turning the lockdown on). */
  REASON_REQUIRED,
  // key directory
  BUNDLE_INVALID,
  BUNDLE_NOT_YOURS,
  BUNDLE_REQUIRED,
  // uploads
  ENVELOPE_MALFORMED,
  ENVELOPE_SENDER_MISMATCH,
  ENVELOPE_BAD_SIGNATURE,
  UPLOAD_TOO_LARGE,
  QUOTA_EXCEEDED,
  TOO_MANY_UPLOADS,
  UPLOAD_OFFSET_MISMATCH,
  UPLOAD_CLOSED,
  UPLOAD_BUSY,
  /** A message came after the one with finish: refused; the upload stays committed. */
  DATA_AFTER_FINISH,
  // grants and downloads
  RECIPIENT_NOT_ACQUIRER,
  /** The file is not sealed for the encryption key of the recipient's published bundle: it could not open it. */
  NOT_SEALED_FOR_RECIPIENT,
  GRANT_EXPIRED,
  GRANT_CONSUMED,
  GRANT_REVOKED,
  GRANT_CLAIMED,
  /** The grant's owner is disabled: its grants cannot be redeemed or downloaded until it is enabled. */
  GRANT_SUSPENDED,
  CLAIM_CLOSED,
  /**
   * The caller has max-live-grants-per-identity live grants (active and unexpired, or claimed): one must be revoked,
   * used or expire before another is created.
   */
  TOO_MANY_GRANTS,
  /** An admin purged the file (its ciphertext and every grant on it): a download of it was stopped. */
  FILE_PURGED,
  /** Retention deleted the grant, long dead (consumed, revoked, expired), and its file: it cannot be redeemed. */
  GRANT_PURGED,
  /**
   * The stored ciphertext of the grant's file is missing or shorter than recorded (lost or altered on the server's
   * disk): it cannot be served. Nothing is used up; the operator must restore it, or the sender send it again.
   */
  FILE_DAMAGED,
  DOWNLOAD_INCOMPLETE,
  CLAIM_DELIVERED,
  FINGERPRINT_MISMATCH,
  /** Another stream is downloading this claim: one stream per claim, as one per upload. */
  DOWNLOAD_BUSY,
  /**
   * The caller holds max-download-streams-per-identity downloads already (both doors together): one
   * of them must end first. Nothing is used up.
   */
  TOO_MANY_DOWNLOADS,
  /**
   * The caller has max-upload-streams-per-identity upload streams running already (both doors together): one of them
   * must end first. Nothing is lost: a gRPC upload keeps what it stored and resumes.
   */
  TOO_MANY_UPLOAD_STREAMS,
  /**
   * The caller has as many gRPC calls running at once as one identity may (over all its connections): one must end
   * first. A client needs a few; only a runaway or hostile one reaches it.
   */
  TOO_MANY_CALLS,
  /**
   * The download's client took nothing for download-stall-timeout (it stopped reading while its
   * connection stayed up): the server stopped it to free its slot. Nothing is used up.
   */
  DOWNLOAD_STALLED,
  /**
   * The upload's client sent nothing for upload-stall-timeout (it stopped writing while its connection stayed up):
   * the server stopped the stream, so that the upload is free to resume and its memory is given back. What was
   * received is kept.
   */
  UPLOAD_STALLED,
  // SSH keys (the SFTP door's logins)
  /** The caller has the most SSH keys one identity may register (16): remove one first. */
  TOO_MANY_SSH_KEYS,
  /** The SSH key is registered already, by another identity (whose is not told): use a new key pair. */
  SSH_KEY_REGISTERED,
  // the server
  /** The server serves as many download streams, or receives as many upload streams, as it may at once: retry in a moment. */
  SERVER_BUSY,
  /** An admin locked the server down: no uploads, grants, redeems or downloads until lifted. */
  LOCKED_DOWN,
  /**
   * The server is shutting down: a new upload or redeem is refused while the transfers already running
   * finish (within shutdown-grace); nothing is used up. Retry once it is back.
   */
  SHUTTING_DOWN,
  /**
   * The server's own storage (its data folder or database) is full: nothing was lost (an upload keeps what was
   * stored and resumes); its operator must free space.
   */
  STORAGE_FULL
}
