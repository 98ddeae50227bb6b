package dev.sealdrop.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.door.grpc.ErrorMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * A full data folder or database is told as such (UNAVAILABLE / STORAGE_FULL, "ask the operator to free space"),
 * not as an internal error with a reference: an outside test filled the server's disk and every client got
 * "server: internal error (ref ...)", which docs/protocol.md says is a bug.
 */
class StorageFullTest {
  @Test
  void aFullFileSystemOrDatabaseAnywhereInTheCauseChainIsStorageFull() {
    for (Throwable t : new Throwable[] {
        new UncheckedIOException(new FileSystemException("/data/tmp/up_1.part", null, "No space left on device")),
        new UncheckedIOException("cannot create the upload's temporary file", new IOException("No space left on device")),
        new RuntimeException(new SQLException("[SQLITE_FULL] Insertion failed because database is full (database or"
            + " disk is full)")),
        new IllegalStateException("write failed", new IOException("Disk quota exceeded"))}) {
      assertThat(StorageFull.of(t)).as(t.toString()).hasValueSatisfying(e -> {
        assertThat(e.reason()).isEqualTo(Reason.STORAGE_FULL);
        assertThat(e.getMessage()).contains("the server's storage is full").contains("nothing stored before was lost")
            .contains("ask the server's operator to free space");
      });
      StatusRuntimeException s = ErrorMapper.toStatus(t);
      assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(s.getTrailers().get(ErrorMapper.REASON)).isEqualTo("STORAGE_FULL");
      assertThat(s.getStatus().getDescription()).doesNotContain("internal error").doesNotContain("/data/tmp");
    }
  }

  @Test
  void anyOtherUnexpectedFailureStaysAnInternalErrorWithAReference() {
    Throwable other = new UncheckedIOException(new IOException("Input/output error"));
    assertThat(StorageFull.of(other)).isEmpty();
    StatusRuntimeException s = ErrorMapper.toStatus(other);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getStatus().getDescription()).startsWith("server: internal error (ref ");
  }
}
