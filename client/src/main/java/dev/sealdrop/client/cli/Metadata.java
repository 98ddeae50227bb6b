package dev.sealdrop.client.cli;

import dev.sealdrop.envelope.FileMetadata;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The metadata sealed with a file: its name (last component only), size, type, time. */
final class Metadata {
  private Metadata() {}

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user chooses the file")
  static FileMetadata of(Path file, long size) {
    String type;
    try {
      type = Files.probeContentType(file);
    } catch (IOException e) {
      type = null;
    }
    if (type == null || type.length() > FileMetadata.MAX_CONTENT_TYPE
        || !type.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      type = "application/octet-stream";
    }
    return new FileMetadata(file.getFileName().toString(), size, type, Instant.now().truncatedTo(ChronoUnit.SECONDS));
  }
}
