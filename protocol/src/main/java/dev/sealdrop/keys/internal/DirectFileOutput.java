package dev.sealdrop.keys.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An {@link OutputStream} into a new file that is going to be fsynced, written past the page cache
 * where the file system allows ({@link DirectAppender}: aligned blocks written by a background thread
 * while the caller goes on). {@link #sync()} returns once every byte is durable; {@link #flush()} only
 * puts them in the file. Not thread-safe (one writer).
 */
public final class DirectFileOutput extends OutputStream {
  private final DirectAppender file;

  private DirectFileOutput(DirectAppender file) {
    this.file = file;
  }

  /** Writes {@code file} (which must exist; it is cut to empty) from its first byte. */
  public static DirectFileOutput overwrite(Path file) throws IOException {
    return new DirectFileOutput(DirectAppender.open(Objects.requireNonNull(file, "file"), 0, false));
  }

  @Override
  public void write(int b) throws IOException {
    file.write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    file.write(b, off, len);
  }

  /** Puts every byte written so far in the file (not yet durable). */
  @Override
  public void flush() throws IOException {
    file.flush();
  }

  /** Makes every byte written so far durable; call it before {@link #close()} when the file is to be kept. */
  public void sync() throws IOException {
    file.sync();
  }

  /** Closes without waiting for the disk: a file that is to be kept was {@link #sync() synced} first. */
  @Override
  public void close() throws IOException {
    file.close();
  }
}
