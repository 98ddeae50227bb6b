package dev.sealdrop.keys.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK primitives the formats use, pinned to the JDK's own providers. Pinning matters: if an
 * application registers Bouncy Castle first, {@code Cipher.getInstance("AES/GCM/NoPadding")} would
 * silently return BC's software AES, 20-40x slower than the JDK's intrinsic one.
 */
public final class Primitives {
  private Primitives() {}

  public static final int AES_KEY_BYTES = 32;
  public static final int GCM_TAG_BYTES = 16;
  public static final int GCM_NONCE_BYTES = 12;
  public static final int SHA256_BYTES = 32;

  public static Cipher aesGcm() {
    try {
      return Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    } catch (NoSuchAlgorithmException | NoSuchProviderException | NoSuchPaddingException e) {
      throw new IllegalStateException("envelope: internal error: JDK AES-GCM unavailable", e);
    }
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256", "SUN");
    } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
      throw new IllegalStateException("envelope: internal error: JDK SHA-256 unavailable", e);
    }
  }

  public static Mac hmacSha256(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256", "SunJCE");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: JDK HMAC-SHA256 unavailable", e);
    }
  }

  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = sha256();
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** Constant-time equality for MACs, tags and secrets. */
  public static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }
}
