package dev.sealdrop.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.AuditLogEntry.RecordLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer process is killed (SIGKILL) in the middle of appending: every record it acknowledged
 * is in the log, the restarted writer recovers (cutting any torn line), and the chain verifies.
 * (A process kill keeps the page cache; what fsync adds against power loss is not testable here.)
 */
class AuditCrashTest {
  @TempDir Path dir;

  /** The child process: appends from 4 threads and prints each acknowledged sequence number. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(Path.of(args[0]), 7), AuditFixtures.key(1));
      for (int t = 0; t < 4; t++) {
        Thread th = new Thread(() -> {
          try {
            for (int i = 0; ; i++) {
              AuditRecord r = w.append(AuditFixtures.event(i));
              synchronized (System.out) {
                System.out.println(r.sequence());
                System.out.flush();
              }
            }
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        th.start();
      }
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void everyAcknowledgedRecordSurvivesAKilledWriterAndTheChainResumes() throws Exception {
    Path log = dir.resolve("audit.jsonl");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Child.class.getName(),
        log.toString()).redirectErrorStream(true).start();
    Set<Long> acknowledged = new HashSet<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (acknowledged.size() < 300 && (line = out.readLine()) != null) {
        if (line.matches("\\d+")) {
          acknowledged.add(Long.parseLong(line));
        } else {
          throw new AssertionError("child: " + line);
        }
      }
      p.destroyForcibly(); // SIGKILL while the other threads are still appending
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    assertThat(acknowledged).hasSize(300);

    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(log, 7).withCheckpointEvery(7, Duration.ZERO),
        AuditFixtures.key(1))) {
      assertThat(w.size()).isGreaterThanOrEqualTo(300);
      w.append(AuditFixtures.event(-1));
    }
    VerificationResult v = AuditVerifier.withKey(AuditFixtures.key(1).publicKey()).verify(log);
    assertThat(v.failure()).isEmpty();
    Set<Long> inLog = new HashSet<>();
    try (AuditLogReader r = AuditLogReader.open(log)) {
      Optional<AuditLogEntry> e;
      while ((e = r.next()).isPresent()) {
        if (e.get() instanceof RecordLine rl) {
          inLog.add(rl.record().sequence());
        }
      }
    }
    assertThat(inLog).containsAll(acknowledged);
    assertThat(List.copyOf(inLog)).hasSize((int) v.records());
  }
}
