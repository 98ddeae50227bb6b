package dev.sealdrop.keys.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Bounded, strict reader over an in-memory byte array (big-endian). Every read checks the
 * remaining length first, so a declared length can never cause an allocation larger than the
 * input it came from. Failures throw {@link FormatException} naming the field.
 */
public final class ByteReader {
  private final byte[] data;
  private int pos;
  private final int end;

  public ByteReader(byte[] data) {
    this(data, 0, data.length);
  }

  public ByteReader(byte[] data, int offset, int length) {
    this.data = data;
    this.pos = offset;
    this.end = offset + length;
  }

  public int position() {
    return pos;
  }

  public int remaining() {
    return end - pos;
  }

  private void need(int n, String field) throws FormatException {
    if (n < 0 || n > end - pos) {
      throw new FormatException(field + " is truncated (needs " + n + " bytes, " + (end - pos) + " left)");
    }
  }

  public int u8(String field) throws FormatException {
    need(1, field);
    return data[pos++] & 0xff;
  }

  public int u16(String field) throws FormatException {
    need(2, field);
    int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
    pos += 2;
    return v;
  }

  public long u32(String field) throws FormatException {
    need(4, field);
    long v = ByteBuffer.wrap(data, pos, 4).getInt() & 0xffffffffL;
    pos += 4;
    return v;
  }

  public long i64(String field) throws FormatException {
    need(8, field);
    long v = ByteBuffer.wrap(data, pos, 8).getLong();
    pos += 8;
    return v;
  }

  public byte[] bytes(int n, String field) throws FormatException {
    need(n, field);
    byte[] out = Arrays.copyOfRange(data, pos, pos + n);
    pos += n;
    return out;
  }

  /** A u8-length-prefixed UTF-8 string of {@code min..max} bytes, strictly decoded. */
  public String str8(String field, int min, int max) throws FormatException {
    int n = u8(field + " length");
    return utf8(n, field, min, max);
  }

  /** A u16-length-prefixed UTF-8 string of {@code min..max} bytes, strictly decoded. */
  public String str16(String field, int min, int max) throws FormatException {
    int n = u16(field + " length");
    return utf8(n, field, min, max);
  }

  private String utf8(int n, String field, int min, int max) throws FormatException {
    if (n < min || n > max) {
      throw new FormatException(field + " length " + n + " is outside " + min + ".." + max);
    }
    need(n, field);
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(data, pos, n))
          .toString();
      pos += n;
      return s;
    } catch (CharacterCodingException e) {
      throw new FormatException(field + " is not valid UTF-8");
    }
  }

  /** Fails unless every byte was consumed: trailing data is never silently ignored. */
  public void expectEnd(String what) throws FormatException {
    if (pos != end) {
      throw new FormatException(what + " has " + (end - pos) + " unexpected trailing bytes");
    }
  }
}
