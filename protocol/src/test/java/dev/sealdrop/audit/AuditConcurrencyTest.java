package dev.sealdrop.audit;

import static dev.sealdrop.audit.AuditFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Many threads append at once (and ask for checkpoints): the chain stays valid and complete. */
class AuditConcurrencyTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 150;

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(Durability.class)
  void concurrentAppendsKeepAValidCompleteChain(Durability durability) throws Exception {
    AuditKey key = key(1);
    Path file = dir.resolve("audit-" + durability + ".jsonl");
    AuditLogConfig config = new AuditLogConfig(file, AuditFixtures.ORIGIN, durability, 37, Duration.ofMillis(20),
        Clock.systemUTC());
    Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
    try (AuditLogWriter w = AuditLogWriter.open(config, key)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < PER_THREAD; i++) {
            AuditRecord r = w.append(AuditEvent.of("user" + thread, "upload.commit", "file:" + i, "ok", "",
                Map.of("thread", Integer.toString(thread))));
            assertThat(acknowledged.add(r.sequence())).as("sequence numbers are unique").isTrue();
          }
          return null;
        }));
      }
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 20; i++) {
          SignedCheckpoint cp = w.checkpoint();
          assertThat(cp.check(key.publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long total = (long) THREADS * PER_THREAD;
    assertThat(acknowledged).hasSize((int) total);
    assertThat(acknowledged.stream().mapToLong(Long::longValue).max().orElse(0)).isEqualTo(total);
    VerificationResult v = AuditVerifier.withKey(key.publicKey()).verify(file);
    assertThat(v.failure()).isEmpty();
    assertThat(v.records()).isEqualTo(total);
    assertThat(v.lastCheckpoint()).map(c -> c.checkpoint().size()).contains(total);
    assertThat(v.checkpointsVerified()).isGreaterThanOrEqualTo((int) (total / 37));
  }

  @org.junit.jupiter.api.Test
  void exportsTakenDuringConcurrentAppendsEndExactlyAtTheirCheckpoint() throws Exception {
    AuditKey key = key(1);
    Path file = dir.resolve("audit.jsonl");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (AuditLogWriter w = AuditLogWriter.open(AuditFixtures.config(file, 50), key)) {
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      List<Future<?>> appenders = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        appenders.add(pool.submit(() -> {
          int i = 0;
          while (!stop.get()) {
            w.append(AuditFixtures.event(++i));
          }
          return null;
        }));
      }
      for (int e = 0; e < 10; e++) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        SignedCheckpoint cp = w.exportTo(out);
        VerificationResult v = AuditVerifier.withKey(key.publicKey()).holding(List.of(cp))
            .verify(new java.io.ByteArrayInputStream(out.toByteArray()));
        assertThat(v.failure()).isEmpty();
        assertThat(v.records()).isEqualTo(cp.checkpoint().size());
        assertThat(v.hasWarning(VerificationResult.Warning.Kind.UNSIGNED_TAIL)).isFalse();
      }
      stop.set(true);
      for (Future<?> f : appenders) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
