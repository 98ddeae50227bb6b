package dev.sealdrop.client.cli.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the process's standard output is, as far as a failed write to it needs telling apart: a write to a pipe or a
 * socket can fail only because its reader closed it ({@code | head} done reading), never for want of disk room.
 */
public final class StandardOutput {
  /** Linux names what descriptor 1 is open on: {@code pipe:[N]}, {@code socket:[N]}, or a path. */
  private static final Path DESCRIPTOR = Path.of("/proc/self/fd/1");

  private StandardOutput() {}

  /** The file type bits of a Unix mode, and those of a FIFO (a named pipe). */
  private static final int TYPE = 0170000;
  private static final int FIFO = 0010000;

  /**
   * Whether standard output is a pipe (also a named one, {@code mkfifo}) or a socket; false where the system does not
   * say (not Linux).
   */
  public static boolean isPipe() {
    try {
      String target = Files.readSymbolicLink(DESCRIPTOR).toString();
      if (target.startsWith("pipe:") || target.startsWith("socket:")) {
        return true;
      }
      return ((Integer) Files.getAttribute(DESCRIPTOR, "unix:mode") & TYPE) == FIFO;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException
        | SecurityException e) {
      return false;
    }
  }
}
