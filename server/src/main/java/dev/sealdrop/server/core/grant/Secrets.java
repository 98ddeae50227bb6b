package dev.sealdrop.server.core.grant;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Grant tokens and claim ids: 256 bits from {@link SecureRandom}, shown once, stored only as
 * SHA-256 (a fast hash suffices at this entropy, SECURITY.md §3.5), compared in constant time.
 */
final class Secrets {
  static final String TOKEN_PREFIX = "sdg_";
  static final String CLAIM_PREFIX = "sdc_";
  /** A client's redeem key (RedeemRequest.redeem_key): made by the client, same shape. */
  static final String REDEEM_KEY_PREFIX = "sdr_";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** prefix + 43 base64url characters (32 bytes, no padding). */
  private static final int ENCODED_LENGTH = 43;

  private Secrets() {}

  static String next(String prefix) {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static boolean isWellFormed(String prefix, String secret) {
    if (secret == null || secret.length() != prefix.length() + ENCODED_LENGTH || !secret.startsWith(prefix)) {
      return false;
    }
    for (int i = prefix.length(); i < secret.length(); i++) {
      char c = secret.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("server: internal error: SHA-256 unavailable", e);
    }
  }

  /** Constant-time equality of two hex hashes. */
  static boolean hashesEqual(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
