package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.KeyMaterial;
import dev.sealdrop.keys.internal.Labels;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 public key that verifies a sender's envelope signatures. Immutable. */
public final class VerifyingKey {
  public static final int ENCODED_BYTES = 32;
  private final byte[] encoded;
  private final byte[] fingerprintHash;

  private VerifyingKey(byte[] encoded) {
    this.encoded = encoded;
    this.fingerprintHash = Fingerprints.hash(Labels.SIGNING_KEY_FP, encoded);
  }

  /** Parses a 32-byte Ed25519 public key; rejects encodings that are not a valid curve point. */
  public static VerifyingKey decode(byte[] encoded) throws KeyFormatException {
    if (encoded == null || encoded.length != ENCODED_BYTES) {
      throw new KeyFormatException("not a sealdrop verifying key: an Ed25519 public key is 32 bytes");
    }
    byte[] copy = encoded.clone();
    if (!Ed25519.validatePublicKeyFull(copy, 0)) {
      throw new KeyFormatException("not a sealdrop verifying key: not a valid Ed25519 point");
    }
    return new VerifyingKey(copy);
  }

  static VerifyingKey trusted(byte[] encoded) {
    return new VerifyingKey(encoded);
  }

  public byte[] encoded() {
    return encoded.clone();
  }

  /** Short, stable, human-readable fingerprint (spec §"Fingerprints"). */
  public String fingerprint() {
    return Fingerprints.display(fingerprintHash);
  }

  /** Whether {@code signature} is this key's Ed25519 signature over {@code message}. */
  public boolean verify(byte[] message, byte[] signature) {
    return KeyMaterial.verify(encoded, message, signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VerifyingKey v && Arrays.equals(encoded, v.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(fingerprintHash);
  }

  @Override
  public String toString() {
    return "VerifyingKey[" + fingerprint() + "]";
  }
}
