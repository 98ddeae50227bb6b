package dev.sealdrop.server.core.upload;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A committed, verified envelope. Its name and content are inside the ciphertext; the server knows
 * only its size, public fingerprint (hex digest signed in the trailer) and recipient key fingerprints.
 */
public record StoredFile(String id, String owner, long size, String fingerprint, List<String> recipientKeyFingerprints,
    Instant createdAt) {
  public StoredFile {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(fingerprint, "fingerprint");
    recipientKeyFingerprints = List.copyOf(recipientKeyFingerprints);
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
