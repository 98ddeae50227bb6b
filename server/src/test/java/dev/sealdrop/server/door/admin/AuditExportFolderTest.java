package dev.sealdrop.server.door.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ExportAuditChunk;
import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.server.testing.OneServerPerMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * An audit export is written into the data folder's tmp/ before it is sent, never into the JVM's temporary folder
 * (outside test, from the code: a crash during a stalled export left a copy of the log in /tmp, and a full /tmp failed
 * exports), deleted once sent, and one a crash left behind is deleted at the next start.
 */
class AuditExportFolderTest extends OneServerPerMethod {
  private List<Path> exports(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("audit-export-")).toList();
    }
  }

  @Test
  void anExportIsWrittenInTheDataFolderDeletedOnceSentAndALeftoverIsDeletedAtTheNextStart() throws Exception {
    Path tmp = data.resolve("tmp");
    Iterator<ExportAuditChunk> chunks = admins.admin("carol").exportAudit(ExportAuditRequest.getDefaultInstance());
    assertThat(chunks.hasNext()).isTrue();
    // (a small export is sent whole into the connection's buffers at once, so its file may be gone already here)
    while (chunks.hasNext()) {
      chunks.next();
    }
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!exports(tmp).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(exports(tmp)).as("deleted once sent").isEmpty();

    stopServer();
    Path leftover = Files.writeString(tmp.resolve("audit-export-123.jsonl"), "{\"type\":\"header\"}\n");
    startServer();
    assertThat(leftover).as("a crash's leftover, deleted at the start").doesNotExist();
  }
}
