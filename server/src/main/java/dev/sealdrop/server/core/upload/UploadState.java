package dev.sealdrop.server.core.upload;

/**
 * The lifecycle of an upload: OPEN until it is COMMITTED as a file, FAILED (validation refused it,
 * or a door that cannot resume ended it unfinished), or EXPIRED unfinished.
 */
public enum UploadState {
  OPEN,
  COMMITTED,
  FAILED,
  EXPIRED
}
