package dev.sealdrop.server.core.keys;

import java.util.Optional;

/** Port: the current key bundle of each identity. */
public interface BundleRepository {
  /** Stores the identity's bundle, replacing the previous one. */
  void put(StoredBundle bundle);

  Optional<StoredBundle> find(String identity);
}
