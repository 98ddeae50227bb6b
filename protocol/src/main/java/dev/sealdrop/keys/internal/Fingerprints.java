package dev.sealdrop.keys.internal;

import java.util.HexFormat;

/**
 * Human-readable fingerprints: the first 20 bytes (160 bits) of a labelled SHA-256, in lowercase
 * RFC 4648 base32 without padding, in eight dash-separated groups of four, e.g.
 * {@code "k3v7-q2ma-..."}. Envelope digests are full lowercase hex instead.
 */
public final class Fingerprints {
  private Fingerprints() {}

  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  /** The full 32-byte labelled hash that a fingerprint string abbreviates. */
  public static byte[] hash(String label, byte[]... parts) {
    byte[][] all = new byte[parts.length + 1][];
    all[0] = Labels.ascii(label);
    System.arraycopy(parts, 0, all, 1, parts.length);
    return Primitives.sha256(all);
  }

  /** The display form of a 32-byte fingerprint hash. */
  public static String display(byte[] hash) {
    StringBuilder sb = new StringBuilder(39);
    int buffer = 0;
    int bits = 0;
    int chars = 0;
    for (int i = 0; i < 20; i++) {
      buffer = (buffer << 8) | (hash[i] & 0xff);
      bits += 8;
      while (bits >= 5) {
        if (chars > 0 && chars % 4 == 0) {
          sb.append('-');
        }
        sb.append(BASE32[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
        chars++;
      }
    }
    return sb.toString();
  }

  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }
}
