package dev.sealdrop.server.core.keys;

import java.time.Instant;
import java.util.Objects;

/** A published key bundle, byte for byte as its owner sent it. */
public record StoredBundle(String identity, byte[] encoded, String fingerprint, Instant publishedAt) {
  public StoredBundle {
    Objects.requireNonNull(identity, "identity");
    encoded = encoded.clone();
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(publishedAt, "publishedAt");
  }

  @Override
  public byte[] encoded() {
    return encoded.clone();
  }
}
