package dev.sealdrop.server.core.upload;

/** The lifecycle of an upload: OPEN until it is COMMITTED as a file, FAILED validation, or EXPIRED unfinished. */
public enum UploadState {
  OPEN,
  COMMITTED,
  FAILED,
  EXPIRED
}
