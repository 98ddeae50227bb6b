package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.upload.UploadPolicy;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round BV: a server whose data folder's file system had less free space than {@code storage-reserve-bytes} refused
 * every upload with STORAGE_FULL, and its start said nothing of it. Now the start warns.
 */
class StorageReserveWarningTest {
  @TempDir
  Path data;

  private static TestServer withReserve(Path data, long reserve) {
    return new TestServer(data, c -> {
      UploadPolicy u = c.uploads();
      return c.withUploads(new UploadPolicy(u.maxUploadBytes(), u.quotaBytes(), u.checkpointBytes(), u.abandonAfter(),
          u.stallTimeout(), reserve, u.maxUploadStreams(), u.maxUploadStreamsPerIdentity()));
    });
  }

  @Test
  void aStartOnADiskWithLessRoomThanTheReserveWarnsThatUploadsWillBeRefused() throws Exception {
    try (CapturedLog log = CapturedLog.ofRoot()) {
      withReserve(data.resolve("big"), Long.MAX_VALUE / 2).close();
      assertThat(log.messages()).anySatisfy(m -> assertThat(m).contains("MiB free, not more than the")
          .contains("storage-reserve-bytes").contains("every upload will be refused STORAGE_FULL"));
    }
    try (CapturedLog log = CapturedLog.ofRoot()) {
      withReserve(data.resolve("small"), 1 << 20).close();
      assertThat(log.messages()).noneSatisfy(m -> assertThat(m).contains("storage-reserve-bytes"));
    }
  }
}
