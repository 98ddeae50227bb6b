package dev.sealdrop.server.core.upload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reviews RE and RG: an unfinished upload left by a stop longer than {@code upload-abandon-after} expired a minute
 * after the start, before its owner could come back; counting its idle time from the start instead kept idle uploads
 * for good on a server restarted every night. It has an hour after the start, then expires.
 */
class UploadIdleAfterAStartTest {
  @TempDir
  Path data;

  @Test
  void anUploadLeftByALongStopHasAnHourAfterTheStartThenExpires() throws Exception {
    TestServer server = new TestServer(data);
    String uploadId;
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      uploadId = Transfers.createUpload(clients, "alice", 64 << 10);
    }
    server.close();
    server.clock.advance(Duration.ofHours(30)); // down longer than upload-abandon-after (24 h)
    server.start();
    try {
      server.server().runMaintenance();
      assertThat(expired(server, uploadId)).as("kept for its owner, back too, to resume").isFalse();
      server.clock.advance(Duration.ofMinutes(61));
      server.server().runMaintenance();
      assertThat(expired(server, uploadId)).as("idle past its lifetime, an hour after the start").isTrue();
    } finally {
      server.close();
    }
  }

  private static boolean expired(TestServer server, String uploadId) throws Exception {
    return server.server().audit().tail(100).stream().anyMatch(e -> e.action().equals("upload.abort")
        && e.object().equals("upload:" + uploadId) && e.result().equals(UploadService.UPLOAD_EXPIRED));
  }
}
