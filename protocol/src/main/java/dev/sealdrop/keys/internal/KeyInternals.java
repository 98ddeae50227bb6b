package dev.sealdrop.keys.internal;

import dev.sealdrop.keys.PrivateKeys;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one bridge from {@link PrivateKeys} to its {@link KeyMaterial} for sealdrop's own code
 * (the envelope opener needs to decapsulate and the sealer to sign). {@code PrivateKeys}
 * installs the accessor from its static initialiser; nothing else can.
 */
public final class KeyInternals {
  private KeyInternals() {}

  private static volatile Function<PrivateKeys, KeyMaterial> accessor;

  /** Called once, by {@code PrivateKeys}'s static initialiser. */
  public static void install(Function<PrivateKeys, KeyMaterial> a) {
    synchronized (KeyInternals.class) {
      if (accessor != null) {
        throw new IllegalStateException("envelope: internal error: key accessor installed twice");
      }
      accessor = Objects.requireNonNull(a);
    }
  }

  public static KeyMaterial material(PrivateKeys keys) {
    Objects.requireNonNull(keys, "private keys");
    Function<PrivateKeys, KeyMaterial> a = accessor;
    if (a == null) {
      throw new IllegalStateException("envelope: internal error: key accessor not installed");
    }
    return a.apply(keys);
  }
}
