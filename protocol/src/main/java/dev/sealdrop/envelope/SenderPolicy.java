package dev.sealdrop.envelope;

import dev.sealdrop.keys.VerifyingKey;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which declared senders a reader accepts, and with which signing key. An envelope is opened
 * only if the key this policy returns for the header's declared identity equals the header's
 * declared key, and that key's signature verifies.
 */
@FunctionalInterface
public interface SenderPolicy {
  /** The signing key trusted for {@code senderIdentity}, or empty to refuse that sender. */
  Optional<VerifyingKey> keyFor(String senderIdentity);

  /** Accepts exactly one sender with exactly one key. */
  static SenderPolicy exactly(String identity, VerifyingKey key) {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(key, "key");
    return id -> identity.equals(id) ? Optional.of(key) : Optional.empty();
  }

  /** Accepts whatever a directory (e.g. pinned, verified key bundles) returns for the sender. */
  static SenderPolicy lookup(Function<String, Optional<VerifyingKey>> directory) {
    Objects.requireNonNull(directory, "directory");
    return id -> Objects.requireNonNull(directory.apply(id), "directory returned null");
  }
}
