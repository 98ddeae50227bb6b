package dev.sealdrop.server.core.admin;

import java.time.Instant;
import java.util.Objects;

/** A stored file as an admin sees it: never its name or content (both are inside the envelope). */
public record FileView(String id, String owner, long size, String fingerprint, Instant createdAt, int grantsTotal,
    int grantsLive) {
  public FileView {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
