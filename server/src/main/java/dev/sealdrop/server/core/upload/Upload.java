package dev.sealdrop.server.core.upload;

import java.time.Instant;
import java.util.Objects;

/**
 * An upload as recorded: its owner, state, and the committed (durable) offset a client resumes from.
 *
 * @param fileId set once {@code state} is COMMITTED, else null
 * @param resumable whether a later connection may resume it; false if it was created through a door
 *     whose clients cannot ({@link dev.sealdrop.server.core.identity.Origin#resumesTransfers}: SFTP).
 *     That door deletes it when its handle ends unfinished; one a crash left OPEN is deleted at startup
 */
public record Upload(String id, String owner, UploadState state, long expectedSize, long committedOffset,
    Instant createdAt, Instant updatedAt, String fileId, boolean resumable) {
  public Upload {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(state, "state");
    if (committedOffset < 0 || expectedSize < 0) {
      throw new IllegalArgumentException("upload offsets and sizes are never negative");
    }
  }
}
