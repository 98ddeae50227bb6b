package dev.sealdrop.keys.internal;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.pqc.crypto.xwing.XWingPrivateKeyParameters;

/**
 * The secret half of a sealdrop identity: an X-Wing seed and an Ed25519 seed (32 bytes each;
 * the encoding is {@code xwing_seed || ed25519_seed}, spec §"Private keys"). Lives only inside
 * {@code dev.sealdrop.keys.PrivateKeys}; never exposes the seeds except through {@link #encoded()},
 * which only {@code PrivateKeys.bytes(SecretAccess)} and the key file call.
 */
public final class KeyMaterial {
  public static final int ENCODED_BYTES = XWing.SEED_BYTES + 32;

  private final byte[] xwingSeed;
  private final byte[] ed25519Seed;
  private final XWingPrivateKeyParameters xwing;
  private final Ed25519PrivateKeyParameters ed25519;
  private final byte[] recipientPublic;
  private final byte[] verifyingPublic;
  private volatile boolean destroyed;

  private KeyMaterial(byte[] xwingSeed, byte[] ed25519Seed) {
    this.xwingSeed = xwingSeed;
    this.ed25519Seed = ed25519Seed;
    this.xwing = new XWingPrivateKeyParameters(xwingSeed);
    this.ed25519 = new Ed25519PrivateKeyParameters(ed25519Seed, 0);
    this.recipientPublic = xwing.getPublicKeyParameters().getEncoded();
    this.verifyingPublic = ed25519.generatePublicKey().getEncoded();
  }

  public static KeyMaterial generate(SecureRandom random) {
    byte[] x = new byte[XWing.SEED_BYTES];
    byte[] e = new byte[32];
    random.nextBytes(x);
    random.nextBytes(e);
    return new KeyMaterial(x, e);
  }

  public static KeyMaterial decode(byte[] encoded) throws FormatException {
    if (encoded.length != ENCODED_BYTES) {
      throw new FormatException("private key encoding must be " + ENCODED_BYTES + " bytes, not " + encoded.length);
    }
    return new KeyMaterial(Arrays.copyOfRange(encoded, 0, 32), Arrays.copyOfRange(encoded, 32, 64));
  }

  public byte[] encoded() {
    checkAlive();
    byte[] out = new byte[ENCODED_BYTES];
    System.arraycopy(xwingSeed, 0, out, 0, 32);
    System.arraycopy(ed25519Seed, 0, out, 32, 32);
    return out;
  }

  public byte[] recipientPublic() {
    return recipientPublic.clone();
  }

  public byte[] verifyingPublic() {
    return verifyingPublic.clone();
  }

  public byte[] decapsulate(byte[] encapsulation) throws FormatException {
    checkAlive();
    return XWing.decapsulate(xwing, encapsulation);
  }

  public byte[] sign(byte[] message) {
    checkAlive();
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, ed25519);
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
    if (publicKey.length != 32 || signature.length != 64) {
      return false;
    }
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
    v.update(message, 0, message.length);
    return v.verifySignature(signature);
  }

  /** Best effort: wipes our seed copies (BC's expanded keys are not reachable to wipe). */
  public void destroy() {
    destroyed = true;
    Arrays.fill(xwingSeed, (byte) 0);
    Arrays.fill(ed25519Seed, (byte) 0);
  }

  public boolean isDestroyed() {
    return destroyed;
  }

  private void checkAlive() {
    if (destroyed) {
      throw new IllegalStateException("private keys were destroyed; load them again");
    }
  }
}
