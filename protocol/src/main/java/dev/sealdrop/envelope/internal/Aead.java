package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.Primitives;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with an all-zero nonce and no AAD, for keys that are used exactly once (a stanza's
 * wrap key, a file's metadata key; spec §"Recipient stanzas" and §"Metadata").
 */
final class Aead {
  private Aead() {}

  private static final byte[] ZERO_NONCE = new byte[Primitives.GCM_NONCE_BYTES];

  static byte[] sealOnce(byte[] key, byte[] plaintext) {
    try {
      Cipher c = Primitives.aesGcm();
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, ZERO_NONCE));
      return c.doFinal(plaintext);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: AES-GCM encryption failed", e);
    }
  }

  /** Returns the plaintext, or null if authentication fails. */
  static byte[] openOnce(byte[] key, byte[] ciphertext) {
    try {
      Cipher c = Primitives.aesGcm();
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, ZERO_NONCE));
      return c.doFinal(ciphertext);
    } catch (AEADBadTagException e) {
      return null;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: AES-GCM decryption failed", e);
    }
  }
}
