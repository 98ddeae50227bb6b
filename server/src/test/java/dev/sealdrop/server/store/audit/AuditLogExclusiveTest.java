package dev.sealdrop.server.store.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ExportAuditRequest;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import dev.sealdrop.server.testing.AdminClients;
import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The running server keeps the audit log locked against every other process (a second server
 * started on the same data folder must be refused, or two writers would fork the chain), not only
 * until it first reads its own log: on Linux, closing any descriptor of a file drops the process's
 * lock on it, so verifying the log at a restart, a tail or an export must not open and close one.
 */
class AuditLogExclusiveTest {
  @TempDir Path dir;

  /** The other process: tries to lock the log as a second server's writer would. */
  public static final class Prober {
    public static void main(String[] args) throws IOException {
      try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        FileLock lock = ch.tryLock();
        System.out.println(lock == null ? "REFUSED" : "LOCKED");
      }
    }
  }

  private static String probe(Path log) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Prober.class.getName(),
        log.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Test
  void noOtherProcessCanLockTheAuditLogAfterARestartATailOrAnExport() throws Exception {
    Path data = dir.resolve("data");
    Path log = data.resolve("audit").resolve("audit.jsonl");
    try (TestServer first = new TestServer(data)) {
      assertThat(probe(log)).as("a fresh log").isEqualTo("REFUSED");
    }
    try (TestServer server = new TestServer(data); AdminClients admin = new AdminClients(server)) {
      assertThat(Files.size(log)).isPositive();
      assertThat(probe(log)).as("after a restart, which verified the existing log").isEqualTo("REFUSED");

      assertThat(admin.admin("carol").tailAudit(TailAuditRequest.newBuilder().setCount(5).build()).getEntriesCount())
          .isPositive();
      assertThat(probe(log)).as("after a tail").isEqualTo("REFUSED");

      admin.admin("carol").exportAudit(ExportAuditRequest.getDefaultInstance()).forEachRemaining(c -> { });
      assertThat(probe(log)).as("after an export").isEqualTo("REFUSED");
    }
  }
}
