package dev.sealdrop.envelope;

import dev.sealdrop.keys.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How the envelope library makes a file appear at its final path, for callers that write files of their own the same
 * way (a sealed file, an exported key bundle, a client's saved state): the library's one implementation, so that its
 * rules hold for them too.
 */
public final class OutputFiles {
  private OutputFiles() {}

  /**
   * Publishes the written, fsynced {@code temp} at {@code target} only if nothing exists there, also on file systems
   * without hard links, then fsyncs the folder; {@link java.nio.file.FileAlreadyExistsException} if a file is there.
   */
  public static void publishNew(Path temp, Path target) throws IOException {
    AtomicFiles.publishNew(temp, target);
  }

  /** Forces {@code dir}'s entries to disk, so that a rename or create in it survives a power loss (best effort). */
  public static void fsyncDirectory(Path dir) {
    AtomicFiles.fsyncDirectory(dir);
  }
}
