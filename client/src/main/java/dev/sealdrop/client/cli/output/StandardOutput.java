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

  /** Whether standard output is a pipe or a socket; false where the system does not say (not Linux). */
  public static boolean isPipe() {
    try {
      String target = Files.readSymbolicLink(DESCRIPTOR).toString();
      return target.startsWith("pipe:") || target.startsWith("socket:");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
