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
    assertThat(ServerMain.diskHint(full, data)).hasValue("the disk holding /srv/sealdrop/data/audit/audit.jsonl is"
        + " full: free space there (`df -h /srv/sealdrop/data/audit/audit.jsonl` shows it), then start the server again");
    UncheckedIOException readOnly = new UncheckedIOException(new FileSystemException("/srv/sealdrop/data/sealdrop.lock",
        null, "Read-only file system"));
    assertThat(ServerMain.diskHint(readOnly, data)).hasValue("/srv/sealdrop/data/sealdrop.lock is on a read-only file"
        + " system: mount it writable, or give a data folder on a writable disk with --data");
    // a failure that names no file names the data folder
    assertThat(ServerMain.diskHint(new IllegalStateException(new java.sql.SQLException("[SQLITE_FULL] database or disk"
        + " is full")), data)).hasValueSatisfying(h -> assertThat(h).startsWith("the disk holding /srv/sealdrop/data"
        + " is full"));
    assertThat(ServerMain.diskHint(new IOException("the database cannot be used"), data)).isEmpty();
  }
}
