package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.Primitives;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The payload STREAM (spec §"Payload"): chunk i is AES-256-GCM under the payload key with nonce
 * {@code u88be(i) || last} (11-byte big-endian counter, then 0x01 on the last chunk, else 0x00)
 * and AAD = the header's SHA-256. The JDK provider, never Bouncy Castle, does the bulk work.
 */
final class ChunkCipher {
  private final Cipher cipher = Primitives.aesGcm();
  private final SecretKeySpec key;
  private final byte[] aad;
  private final byte[] nonce = new byte[Primitives.GCM_NONCE_BYTES];

  ChunkCipher(byte[] payloadKey, byte[] headerHash) {
    this.key = new SecretKeySpec(payloadKey, "AES");
    this.aad = headerHash.clone();
  }

  static byte[] nonce(long index, boolean last) {
    byte[] n = new byte[Primitives.GCM_NONCE_BYTES];
    fill(n, index, last);
    return n;
  }

  private static void fill(byte[] n, long index, boolean last) {
    if (index < 0 || index >= Suite.MAX_CHUNKS) {
      throw new IllegalStateException("envelope: internal error: chunk index out of range");
    }
    Arrays.fill(n, (byte) 0);
    for (int i = 0; i < 8; i++) {
      n[10 - i] = (byte) (index >>> (8 * i));
    }
    n[11] = (byte) (last ? 1 : 0);
  }

  /** Encrypts {@code len} bytes into {@code out} at 0; returns the ciphertext length ({@code len + 16}). */
  int seal(long index, boolean last, byte[] in, int off, int len, byte[] out) {
    try {
      fill(nonce, index, last);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad);
      return cipher.doFinal(in, off, len, out, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: chunk encryption failed", e);
    }
  }

  /** Decrypts into {@code out} at 0; returns the plaintext length, or -1 if authentication fails. */
  int open(long index, boolean last, byte[] in, int off, int len, byte[] out) {
    try {
      fill(nonce, index, last);
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(aad);
      return cipher.doFinal(in, off, len, out, 0);
    } catch (AEADBadTagException e) {
      return -1;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: chunk decryption failed", e);
    }
  }
}
