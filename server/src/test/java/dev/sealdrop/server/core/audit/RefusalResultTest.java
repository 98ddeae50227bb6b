package dev.sealdrop.server.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.Reason;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The result an audited refusal is recorded with: its reason, and a full disk's as storage-full (round BM: "error"). */
class RefusalResultTest {
  @Test
  void aRefusalIsRecordedByItsReasonAndAFullDiskAsStorageFull() {
    assertThat(Audit.resultOf(new NotFoundException(Reason.NOT_FOUND, "no such thing"))).isEqualTo("not-found");
    assertThat(Audit.resultOf(new RuntimeException(new SQLException("[SQLITE_FULL] Insertion failed because database"
        + " is full (database or disk is full)")))).isEqualTo("storage-full");
    assertThat(Audit.resultOf(new UncheckedIOException(new FileSystemException("/data/tmp/up_1.part", null,
        "No space left on device")))).isEqualTo("storage-full");
    assertThat(Audit.resultOf(new IllegalStateException("something else"))).isEqualTo("error");
  }
}
