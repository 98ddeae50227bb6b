import dev.sealdrop.audit.AuditEvent;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogConfig;
import dev.sealdrop.audit.AuditLogWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Bursts of concurrent audit appends (each acknowledged only once durable, as the server's are):
 * THREADS threads append PER records each at the same instant, ROUNDS times, into a fresh log in a
 * temporary folder on the current disk. Prints per round the wall time, milliseconds per record and
 * the p50/p99 time an append waited. Measures only; A/B two builds by running it with either jar.
 *
 * <p>Run: {@code java -cp server/target/sealdrop-server.jar bench/src/AuditAppendBurst.java [THREADS
 * [PER [ROUNDS]]]} (defaults 32, 20, 6).
 */
public final class AuditAppendBurst {
  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 32;
    int per = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    Path dir = Files.createTempDirectory(Path.of("."), "audit-burst-");
    String origin = "bench.sealdrop/audit-burst";
    try (AuditLogWriter log = AuditLogWriter.open(AuditLogConfig.defaults(dir.resolve("audit.jsonl"), origin),
        AuditKey.generate(origin))) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        for (int round = 1; round <= rounds; round++) {
          CountDownLatch go = new CountDownLatch(1);
          List<Future<long[]>> waits = new ArrayList<>();
          for (int t = 0; t < threads; t++) {
            String actor = "receiver-" + t;
            waits.add(pool.submit(() -> {
              go.await();
              long[] ns = new long[per];
              for (int i = 0; i < per; i++) {
                long t0 = System.nanoTime();
                log.append(AuditEvent.of(actor, "grant.redeem", "g_7b658721dabd8760e7150ff671ffc3bb", "ok",
                    "127.0.0.1:43210", Map.of("file", "f_475e2a73f2c076137f0424384ad236e7", "recipient", actor)));
                ns[i] = System.nanoTime() - t0;
              }
              return ns;
            }));
          }
          long w0 = System.nanoTime();
          go.countDown();
          long[] all = new long[threads * per];
          int k = 0;
          for (Future<long[]> f : waits) {
            for (long v : f.get()) {
              all[k++] = v;
            }
          }
          long wall = System.nanoTime() - w0;
          Arrays.sort(all);
          System.out.printf("round %d: %d appends in %.1f ms (%.3f ms per record); wait p50 %.2f ms, p99 %.2f ms%n",
              round, all.length, wall / 1e6, wall / 1e6 / all.length, all[all.length / 2] / 1e6,
              all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6);
        }
      } finally {
        pool.shutdownNow();
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
