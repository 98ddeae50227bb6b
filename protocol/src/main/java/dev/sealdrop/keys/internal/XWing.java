package dev.sealdrop.keys.internal;

import java.security.SecureRandom;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.bouncycastle.pqc.crypto.xwing.XWingKEMExtractor;
import org.bouncycastle.pqc.crypto.xwing.XWingKEMGenerator;
import org.bouncycastle.pqc.crypto.xwing.XWingPrivateKeyParameters;
import org.bouncycastle.pqc.crypto.xwing.XWingPublicKeyParameters;

/** The X-Wing hybrid KEM (ML-KEM-768 + X25519, draft-connolly-cfrg-xwing-kem) from Bouncy Castle. */
public final class XWing {
  private XWing() {}

  public static final int SEED_BYTES = 32;
  public static final int PUBLIC_KEY_BYTES = 1216;
  public static final int ENCAPSULATION_BYTES = 1120;
  public static final int SHARED_SECRET_BYTES = 32;

  /** A shared secret and the encapsulation that carries it to the recipient. */
  public record Encapsulated(byte[] sharedSecret, byte[] encapsulation) {}

  public static XWingPublicKeyParameters publicKey(byte[] encoded) throws FormatException {
    if (encoded.length != PUBLIC_KEY_BYTES) {
      throw new FormatException("X-Wing public key must be " + PUBLIC_KEY_BYTES + " bytes, not " + encoded.length);
    }
    // A low-order X25519 part makes every X25519 result all zeros, which Bouncy Castle refuses when
    // sealing: refuse such a key here, when a bundle is parsed, rather than when someone seals to it.
    // (Any scalar shows it: X25519 clamps scalars to multiples of the cofactor.)
    if (!X25519.calculateAgreement(new byte[32], 0, encoded, PUBLIC_KEY_BYTES - 32, new byte[32], 0)) {
      throw new FormatException("X-Wing public key has a low-order X25519 part");
    }
    try {
      return new XWingPublicKeyParameters(encoded);
    } catch (RuntimeException e) {
      throw new FormatException("X-Wing public key is malformed");
    }
  }

  public static Encapsulated encapsulate(byte[] recipientPublicKey, SecureRandom random) throws FormatException {
    SecretWithEncapsulation s = new XWingKEMGenerator(random).generateEncapsulated(publicKey(recipientPublicKey));
    try {
      return new Encapsulated(s.getSecret(), s.getEncapsulation());
    } finally {
      try {
        s.destroy();
      } catch (javax.security.auth.DestroyFailedException ignored) {
        // The copies above are what we use; BC's own copy is best-effort wiped.
      }
    }
  }

  /**
   * The shared secret of {@code encapsulation}. Fails (instead of the draft's implicit rejection)
   * when the encapsulation's X25519 part is a low-order point, which Bouncy Castle refuses: no
   * honest sender produces one, so the caller treats it like a stanza that fails authentication.
   */
  public static byte[] decapsulate(XWingPrivateKeyParameters key, byte[] encapsulation) throws FormatException {
    if (encapsulation.length != ENCAPSULATION_BYTES) {
      throw new IllegalArgumentException("X-Wing encapsulation must be " + ENCAPSULATION_BYTES + " bytes");
    }
    try {
      return new XWingKEMExtractor(key).extractSecret(encapsulation);
    } catch (IllegalStateException e) {
      throw new FormatException("X-Wing encapsulation is malformed (low-order X25519 part)");
    }
  }
}
