package dev.sealdrop.audit;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * A 32-byte SHA-256 value of the audit hash chain: a record hash h_i, a chain head, or h_0.
 * Immutable; {@link #toString()} is the standard (padded) base64 used in the export file and in
 * checkpoints.
 */
public final class ChainHash {
  /** Length in bytes. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  private ChainHash(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Copies a 32-byte value. */
  public static ChainHash of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException("audit: chain hash must be " + LENGTH + " bytes");
    }
    return new ChainHash(bytes.clone());
  }

  /** Parses standard padded base64 of exactly 32 bytes; anything else is rejected. */
  public static ChainHash fromBase64(String text) {
    if (text == null || text.length() != 44) {
      throw new IllegalArgumentException("audit: chain hash must be 44 characters of base64");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("audit: chain hash is not valid base64", e);
    }
    ChainHash h = of(decoded);
    if (!h.toString().equals(text)) {
      // Non-canonical base64 (e.g. non-zero padding bits) would give two spellings of one hash.
      throw new IllegalArgumentException("audit: chain hash is not canonical base64");
    }
    return h;
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Lowercase hex, for humans comparing with other tools. */
  public String hex() {
    StringBuilder sb = new StringBuilder(64);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChainHash other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return Base64.getEncoder().encodeToString(bytes);
  }
}
