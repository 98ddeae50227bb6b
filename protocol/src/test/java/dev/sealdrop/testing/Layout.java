package dev.sealdrop.testing;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Where each field of an envelope lies, computed from docs/envelope-format.md independently of
 * the production parser, so that tamper tests know which error a modified byte must cause.
 */
public final class Layout {
  public static final int CHUNK_CT = 65536 + 16;
  public static final int STANZA = 32 + 1120 + 48;

  public final int suiteStart;
  public final int identityStart;
  public final int senderKeyStart;
  public final int saltStart;
  public final int countStart;
  public final int stanzasStart;
  public final int recipients;
  public final int metaLenStart;
  public final int macStart;
  public final int headerEnd;
  public final int trailerStart;

  public Layout(byte[] e) {
    ByteBuffer b = ByteBuffer.wrap(e);
    int bodyLen = b.getInt(8);
    suiteStart = 12;
    identityStart = suiteStart + 1 + (e[suiteStart] & 0xff);
    senderKeyStart = identityStart + 1 + (e[identityStart] & 0xff);
    saltStart = senderKeyStart + 32;
    countStart = saltStart + 32;
    recipients = e[countStart] & 0xff;
    stanzasStart = countStart + 1;
    metaLenStart = stanzasStart + recipients * STANZA;
    macStart = 12 + bodyLen;
    headerEnd = macStart + 32;
    trailerStart = e.length - 64;
  }

  public int chunkStart(int i) {
    return headerEnd + i * CHUNK_CT;
  }

  public byte[] header(byte[] e) {
    return Arrays.copyOfRange(e, 0, headerEnd);
  }

  public static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  public static byte[] flip(byte[] e, long bit) {
    byte[] c = e.clone();
    c[(int) (bit / 8)] ^= (byte) (1 << (bit % 8));
    return c;
  }
}
