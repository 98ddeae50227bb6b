package dev.sealdrop.server.core.sshkey;

import java.util.List;
import java.util.Optional;

/** Port: registered SSH public keys, keyed by fingerprint (a key belongs to one identity only). */
public interface SshKeyRepository {
  /** Stores the key unless its fingerprint is registered already; returns whether it was stored. */
  boolean add(SshKey key);

  Optional<SshKey> find(String fingerprint);

  List<SshKey> listByIdentity(String identity);

  /**
   * Replaces, in one step, the certificate, comment and time of a key already registered to
   * {@code key.identity()} (a login meanwhile finds the old binding or the new one, never none);
   * returns whether there was such a key.
   */
  boolean rebind(SshKey key);

  /** Deletes the identity's key; returns whether one was deleted. */
  boolean remove(String identity, String fingerprint);
}
