package dev.sealdrop.server.core.upload;

import java.time.Instant;
import java.util.Objects;

/**
 * An upload as recorded: its owner, state, and the committed (durable) offset a client resumes from.
 *
 * @param fileId set once {@code state} is COMMITTED, else null
 */
public record Upload(String id, String owner, UploadState state, long expectedSize, long committedOffset,
    Instant createdAt, Instant updatedAt, String fileId) {
  public Upload {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(state, "state");
    if (committedOffset < 0 || expectedSize < 0) {
      throw new IllegalArgumentException("upload offsets and sizes are never negative");
    }
  }
}
