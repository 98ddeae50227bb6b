package dev.sealdrop.server.core;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Server-generated identifiers: 128 random bits in lowercase hex, with a type prefix so that an id
 * pasted in the wrong place is refused as malformed. They are names, not secrets, and they double
 * as storage file names, so their alphabet is fixed ({@link #isWellFormed}).
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String next(String prefix) {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  /** True if {@code id} is {@code prefix} followed by 32 lowercase hex digits. */
  public static boolean isWellFormed(String prefix, String id) {
    if (id == null || id.length() != prefix.length() + 32 || !id.startsWith(prefix)) {
      return false;
    }
    for (int i = prefix.length(); i < id.length(); i++) {
      char c = id.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
