package dev.sealdrop.audit;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads bytes {@code [0, end)} of the audit file through a descriptor the writer already holds,
 * never through a new one. On Linux (POSIX record locks), closing <em>any</em> descriptor of a
 * file drops every lock the process holds on it, so opening and closing the log to read it would
 * silently let a second server append to the same log. Closing this stream closes nothing.
 */
final class RangeInputStream extends InputStream {
  /** Reads up to {@code len} bytes at {@code position}; returns how many, or -1 at the end of the file. */
  @FunctionalInterface
  interface PositionalRead {
    int read(long position, byte[] b, int off, int len) throws IOException;
  }

  private final PositionalRead source;
  private final long end;
  private long pos;

  RangeInputStream(PositionalRead source, long end) {
    this.source = source;
    this.end = end;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n <= 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (pos >= end) {
      return -1;
    }
    int n = source.read(pos, b, off, (int) Math.min(len, end - pos));
    if (n < 0) {
      throw new IOException("the audit log ends at byte " + pos + ", before byte " + end + ": it shrank while read");
    }
    pos += n;
    return n;
  }
}
