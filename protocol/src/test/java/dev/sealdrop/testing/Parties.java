package dev.sealdrop.testing;

import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;

/** Long-lived test identities (key generation is cheap, but sharing keeps tests fast and readable). */
public final class Parties {
  private Parties() {}

  public static final PrivateKeys ALICE = PrivateKeys.generate();
  public static final PrivateKeys BOB = PrivateKeys.generate();
  public static final PrivateKeys CAROL = PrivateKeys.generate();
  public static final PrivateKeys DAVE = PrivateKeys.generate();

  public static RecipientKey to(PrivateKeys k) {
    return k.publicKeys().encryption();
  }

  public static SenderPolicy fromAlice() {
    return SenderPolicy.exactly("alice", ALICE.publicKeys().signing());
  }
}
