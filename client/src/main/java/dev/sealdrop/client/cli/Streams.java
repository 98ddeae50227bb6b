package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copying with progress, in 64 KiB steps (the envelope's chunk size), memory bounded. */
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
}
