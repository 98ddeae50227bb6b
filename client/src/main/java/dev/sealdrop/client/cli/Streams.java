package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copying and reading with progress, in 64 KiB steps (the envelope's chunk size), memory bounded. */
final class Streams {
  private Streams() {}

  static long copy(InputStream in, OutputStream out, Progress progress) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      total += n;
      progress.advance(n);
    }
    return total;
  }

  /** An input stream that reports every byte read to a progress. */
  static final class Counting extends java.io.FilterInputStream {
    private final java.util.function.LongConsumer progress;

    Counting(InputStream in, java.util.function.LongConsumer progress) {
      super(in);
      this.progress = progress;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        progress.accept(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        progress.accept(n);
      }
      return n;
    }
  }
}
