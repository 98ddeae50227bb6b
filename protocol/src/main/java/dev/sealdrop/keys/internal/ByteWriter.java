package dev.sealdrop.keys.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Big-endian writer, the mirror of {@link ByteReader}. Checks bounds so that it never writes what the reader would refuse. */
public final class ByteWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

  public ByteWriter u8(int v) {
    if (v < 0 || v > 0xff) {
      throw new IllegalArgumentException("u8 out of range: " + v);
    }
    out.write(v);
    return this;
  }

  public ByteWriter u16(int v) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException("u16 out of range: " + v);
    }
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  public ByteWriter u32(long v) {
    if (v < 0 || v > 0xffffffffL) {
      throw new IllegalArgumentException("u32 out of range: " + v);
    }
    for (int s = 24; s >= 0; s -= 8) {
      out.write((int) (v >>> s));
    }
    return this;
  }

  public ByteWriter i64(long v) {
    for (int s = 56; s >= 0; s -= 8) {
      out.write((int) (v >>> s));
    }
    return this;
  }

  public ByteWriter bytes(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  public ByteWriter str8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return u8(b.length).bytes(b);
  }

  public ByteWriter str16(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return u16(b.length).bytes(b);
  }

  public int size() {
    return out.size();
  }

  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
