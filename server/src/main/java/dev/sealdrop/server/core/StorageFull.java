package dev.sealdrop.server.core;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failure whose cause is the server's own storage being full (the data folder's file system: ENOSPC or a disk
 * quota; the database: SQLITE_FULL) is an operating condition, not a bug: the caller is told so, with
 * {@link Reason#STORAGE_FULL}, instead of "internal error", and the operator is told in the log without a stack
 * trace. Both doors ask here before they report an unexpected failure as an internal error.
 */
public final class StorageFull {
  private static final Logger LOG = LoggerFactory.getLogger(StorageFull.class);
  /** How deep a cause chain is searched (a cycle or a very long chain ends the search there). */
  private static final int MAX_DEPTH = 16;

  private StorageFull() {}

  /** The refusal to send instead of {@code failure}, if the server's storage being full caused it. */
  public static Optional<UnavailableException> of(Throwable failure) {
    Throwable c = failure;
    for (int depth = 0; c != null && depth < MAX_DEPTH; depth++, c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
          || m.contains("SQLITE_FULL"))) {
        LOG.error("the server's storage is full, a request failed: {} (free space in the data folder; nothing of"
            + " what was stored before is lost)", m);
        return Optional.of(new UnavailableException(Reason.STORAGE_FULL, "the server's storage is full, so it cannot"
            + " do this now; nothing stored before was lost (an upload over gRPC keeps what was stored and resumes, one"
            + " over SFTP must be put again; a redeem that failed used nothing up); ask the server's operator to free"
            + " space, then retry"));
      }
    }
    return Optional.empty();
  }
}
