package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ExportAuditChunk;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server verifies what it exports (outside test: a live log edited on disk while the server ran was exported,
 * recorded as a plain success, and noticed only by the client and at the next start). The export is still sent, as
 * evidence; the server records {@code audit.verify-failed}.
 */
class LiveLogTamperExportTest {
  @TempDir
  Path dir;

  @Test
  void anExportOfALogAlteredWhileTheServerRunsIsRecordedAsNotVerifying() throws Exception {
    try (TestServer server = new TestServer(dir.resolve("server")); AdminClients admins = new AdminClients(server)) {
      admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason("alice's drill").build());
      admins.admin("carol").setLockdown(SetLockdownRequest.newBuilder().setOn(false).build());
      Path live = dir.resolve("server").resolve("audit").resolve("audit.jsonl");
      String text = Files.readString(live, StandardCharsets.UTF_8);
      assertThat(text).contains("alice's drill");
      Files.writeString(live, text.replace("alice's drill", "alicf's drill"), StandardCharsets.UTF_8);

      Iterator<ExportAuditChunk> chunks = admins.admin("carol").exportAudit(ExportAuditRequest.getDefaultInstance());
      StringBuilder exported = new StringBuilder();
      chunks.forEachRemaining(c -> exported.append(c.getData().toStringUtf8()));
      assertThat(exported.toString()).as("sent all the same, as evidence").contains("alicf's drill");
      assertThat(server.server().audit().tail(5)).anySatisfy(e -> {
        assertThat(e.action()).isEqualTo("audit.verify-failed");
        assertThat(e.actor()).isEqualTo("server");
        assertThat(e.result()).isEqualTo("edited");
      });
    }
  }
}
