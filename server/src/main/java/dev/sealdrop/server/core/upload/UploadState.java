package dev.sealdrop.server.core.upload;

/**
 * The lifecycle of an upload: OPEN until it is COMMITTED as a file, FAILED (validation refused it,
 * or a door that cannot resume ended it unfinished), EXPIRED unfinished, or ABANDONED by its owner.
 */
public enum UploadState {
  OPEN,
  COMMITTED,
  FAILED,
  EXPIRED,
  /** Given up by its owner (AbandonUpload): its data is deleted. */
  ABANDONED
}
