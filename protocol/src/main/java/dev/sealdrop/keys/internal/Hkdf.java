package dev.sealdrop.keys.internal;

import java.util.Arrays;
import javax.crypto.Mac;

/** HKDF-SHA256 (RFC 5869) on the JDK's HMAC. An empty salt means 32 zero bytes, as the RFC says. */
public final class Hkdf {
  private Hkdf() {}

  public static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
    if (length <= 0 || length > 255 * 32) {
      throw new IllegalArgumentException("HKDF output length out of range: " + length);
    }
    byte[] prk = Primitives.hmacSha256(salt.length == 0 ? new byte[32] : salt).doFinal(ikm);
    Mac mac = Primitives.hmacSha256(prk);
    Arrays.fill(prk, (byte) 0);
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }

  /** {@code info = label || context...}, the layout every sealdrop derivation uses. */
  public static byte[] info(String label, byte[]... context) {
    ByteWriter w = new ByteWriter().bytes(Labels.ascii(label));
    for (byte[] c : context) {
      w.bytes(c);
    }
    return w.toByteArray();
  }
}
