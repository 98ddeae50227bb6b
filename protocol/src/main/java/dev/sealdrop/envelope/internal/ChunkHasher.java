package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.Primitives;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Computes per-chunk SHA-256s, optionally on another core, and hands them to a consumer
 * strictly in chunk order. The caller encrypts or decrypts chunk i+1 while chunk i is hashed, so
 * the digest costs (almost) no wall-clock time. Memory is bounded: {@link #DEPTH} buffers of one
 * chunk each; {@link #buffer()} blocks until the oldest hash is done when all are in flight.
 *
 * <p>A buffer passed to {@link #hash} is read by the hashing thread until it is handed out again
 * by {@link #buffer()}; callers must not modify it before then (reading it is fine).
 */
final class ChunkHasher {
  static final int DEPTH = 4;
  /**
   * Whether chunk hashes run on another thread. {@code auto} (the default) enables it whenever
   * there is a second processor: on this project's 2-vCPU VM it raised seal and open throughput
   * to about 1.45-1.5x the single-thread bare primitives (docs/benchmarks.md). Override with
   * {@code -Dsealdrop.envelope.parallelDigest=true|false}.
   */
  static final boolean PARALLEL = parallelSetting(System.getProperty("sealdrop.envelope.parallelDigest", "auto"),
      Runtime.getRuntime().availableProcessors());

  static boolean parallelSetting(String value, int processors) {
    switch (value) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        return processors >= 2;
    }
  }

  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "sealdrop-chunk-hash");
    t.setDaemon(true);
    return t;
  });
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Primitives::sha256);

  private record Pending(byte[] buffer, CompletableFuture<byte[]> hash) {}

  private final int bufferSize;
  private final boolean parallel;
  private final Consumer<byte[]> inOrder;
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private final ArrayDeque<Pending> inflight = new ArrayDeque<>();
  private int allocated;

  ChunkHasher(int bufferSize, boolean parallel, Consumer<byte[]> inOrder) {
    this.bufferSize = bufferSize;
    this.parallel = parallel;
    this.inOrder = inOrder;
  }

  /** A buffer the caller may fill, recycled from a chunk whose hash has been consumed. */
  byte[] buffer() {
    if (free.isEmpty()) {
      if (allocated < (parallel ? DEPTH : 1)) {
        allocated++;
        return new byte[bufferSize];
      }
      completeOldest();
    }
    return free.poll();
  }

  /** Hashes {@code buf[off, off+len)}; the buffer returns to the pool once its hash was consumed. */
  void hash(byte[] buf, int off, int len) {
    if (parallel) {
      inflight.add(new Pending(buf, CompletableFuture.supplyAsync(() -> sha256(buf, off, len), POOL)));
    } else {
      inOrder.accept(sha256(buf, off, len));
      free.add(buf);
    }
  }

  /** Waits for every pending hash and consumes them in order. */
  void drain() {
    while (!inflight.isEmpty()) {
      completeOldest();
    }
  }

  private void completeOldest() {
    Pending p = inflight.poll();
    if (p == null) {
      throw new IllegalStateException("envelope: internal error: no chunk buffer available");
    }
    inOrder.accept(p.hash().join());
    free.add(p.buffer());
  }

  private static byte[] sha256(byte[] b, int off, int len) {
    MessageDigest md = SHA256.get();
    md.update(b, off, len);
    return md.digest();
  }
}
