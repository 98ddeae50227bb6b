package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.KeyInternals;
import dev.sealdrop.keys.internal.KeyMaterial;
import java.security.SecureRandom;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * A sealdrop identity's private keys: an X-Wing decapsulation key (to open envelopes) and an
 * Ed25519 signing key (to sign what it seals). Raw bytes leave only through
 * {@link #bytes(SecretAccess)}; {@link #toString()} redacts. Destroy when done.
 */
public final class PrivateKeys implements Destroyable {
  static {
    KeyInternals.install(k -> k.material);
  }

  private final KeyMaterial material;

  private PrivateKeys(KeyMaterial material) {
    this.material = material;
  }

  /** Fresh keys from the platform's SecureRandom. */
  public static PrivateKeys generate() {
    return new PrivateKeys(KeyMaterial.generate(new SecureRandom()));
  }

  /** Restores keys from their 64-byte encoding ({@code xwing_seed || ed25519_seed}). */
  public static PrivateKeys fromBytes(byte[] encoded, SecretAccess access) throws KeyFormatException {
    Objects.requireNonNull(access, "SecretAccess");
    try {
      return new PrivateKeys(KeyMaterial.decode(encoded));
    } catch (FormatException e) {
      throw new KeyFormatException("not sealdrop private keys: " + e.getMessage());
    }
  }

  /** The 64-byte secret encoding. The caller owns (and should wipe) the returned array. */
  public byte[] bytes(SecretAccess access) {
    Objects.requireNonNull(access, "SecretAccess");
    return material.encoded();
  }

  public PublicKeys publicKeys() {
    return new PublicKeys(RecipientKey.trusted(material.recipientPublic()),
        VerifyingKey.trusted(material.verifyingPublic()));
  }

  @Override
  public void destroy() {
    material.destroy();
  }

  @Override
  public boolean isDestroyed() {
    return material.isDestroyed();
  }

  @Override
  public String toString() {
    return "PrivateKeys[redacted; public " + publicKeys().encryption().fingerprint() + "]";
  }
}
