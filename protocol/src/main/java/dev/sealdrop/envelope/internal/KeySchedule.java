package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Hkdf;
import dev.sealdrop.keys.internal.Labels;
import java.util.Arrays;

/** Every key derivation of spec §"Key schedule", HKDF-SHA256 throughout. */
final class KeySchedule {
  private KeySchedule() {}

  private static final byte[] NO_SALT = new byte[0];

  /** wrap_key = HKDF(ikm = X-Wing shared secret, salt = "", info = WRAP || str8(suite) || recipient_fp || enc). */
  static byte[] wrapKey(byte[] sharedSecret, byte[] recipientFingerprint, byte[] encapsulation) {
    byte[] suite = new ByteWriter().str8(Suite.ID).toByteArray();
    return Hkdf.sha256(sharedSecret, NO_SALT, Hkdf.info(Labels.WRAP, suite, recipientFingerprint, encapsulation), 32);
  }

  static byte[] headerMacKey(byte[] fileKey) {
    return Hkdf.sha256(fileKey, NO_SALT, Hkdf.info(Labels.HEADER_MAC), 32);
  }

  static byte[] metadataKey(byte[] fileKey) {
    return Hkdf.sha256(fileKey, NO_SALT, Hkdf.info(Labels.METADATA), 32);
  }

  static byte[] payloadKey(byte[] fileKey, byte[] payloadSalt) {
    return Hkdf.sha256(fileKey, payloadSalt, Hkdf.info(Labels.PAYLOAD), 32);
  }

  static void wipe(byte[]... keys) {
    for (byte[] k : keys) {
      if (k != null) {
        Arrays.fill(k, (byte) 0);
      }
    }
  }
}
