package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one check of a FILE argument that must be a regular file: a folder is named as one, not "no such file". */
final class InputFile {
  private InputFile() {
  }

  /**
   * Refuses (exit 2) a missing FILE ({@code FILE_NOT_FOUND}), a folder ({@code IS_A_FOLDER}) and
   * anything else that is not a regular file ({@code NOT_A_REGULAR_FILE}: a device, FIFO or socket).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the file")
  static void requireRegularFile(Path file) throws UsageFailure {
    if (Files.isDirectory(file)) {
      throw new UsageFailure("IS_A_FOLDER", file + " is a folder; sealdrop sends one file",
          "pack the folder into one file first, e.g. `tar czf folder.tar.gz FOLDER` or `zip -r folder.zip FOLDER`");
    }
    if (!Files.exists(file)) {
      throw new UsageFailure("FILE_NOT_FOUND", "no such file: " + file, "check the path");
    }
    if (!Files.isRegularFile(file)) {
      // a device, FIFO or socket: its size is unknown up front and it may never end
      throw new UsageFailure("NOT_A_REGULAR_FILE", file + " is not a regular file (a device, pipe or socket)",
          "copy its content into a file first, then name that file");
    }
  }
}
