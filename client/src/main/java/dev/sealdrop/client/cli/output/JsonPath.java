package dev.sealdrop.client.cli.output;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How every {@code --json} document names a local file ({@code seal}'s {@code output}, {@code open}'s
 * and {@code receive}'s {@code path}, ...): absolute, whatever the user typed, with {@code .},
 * {@code ..} and symbolic links of its folder resolved, so that a script can use it from any working
 * folder and two documents about one file name it alike.
 */
public final class JsonPath {
  private JsonPath() {
  }

  /** {@code path} absolute and normalised: its folder's real path, then its own name. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user named the path")
  public static String of(Path path) {
    Path absolute = path.toAbsolutePath();
    Path parent = absolute.getParent();
    Path name = absolute.getFileName();
    if (parent == null || name == null) {
      return absolute.normalize().toString();
    }
    try {
      return parent.toRealPath().resolve(name).normalize().toString();
    } catch (IOException e) { // the folder is gone (or unreadable): name it as typed, made absolute
      return absolute.normalize().toString();
    }
  }
}
