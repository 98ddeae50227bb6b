package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** A start the data folder's disk refused says what to do about the disk (round BM: no hint for a full or read-only one). */
class StartDiskHintTest {
  private final Path data = Path.of("/srv/sealdrop/data");

  @Test
  void aFullDiskIsToldToFreeSpaceAndAReadOnlyOneToBeMountedWritable() {
    IOException full = new IOException("audit log /srv/sealdrop/data/audit/audit.jsonl: write failed",
        new FileSystemException("/srv/sealdrop/data/audit/audit.jsonl", null, "No space left on device"));
    assertThat(ServerMain.diskHint(full, data)).hasValue("the disk of the data folder /srv/sealdrop/data is full: free"
        + " space there (`df -h /srv/sealdrop/data` shows it), then start the server again; nothing it stored was lost");
    UncheckedIOException readOnly = new UncheckedIOException(new FileSystemException("/srv/sealdrop/data/sealdrop.lock",
        null, "Read-only file system"));
    assertThat(ServerMain.diskHint(readOnly, data)).hasValue("the data folder /srv/sealdrop/data is on a read-only file"
        + " system: mount it writable, or give a folder on a writable disk with --data");
    assertThat(ServerMain.diskHint(new IOException("the database cannot be used"), data)).isEmpty();
  }
}
