package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.Primitives;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Computes per-chunk SHA-256s, optionally on another core, and hands them to a consumer
 * strictly in chunk order. The caller encrypts or decrypts the next chunks while earlier ones are
 * hashed, so the digest costs (almost) no wall-clock time. Chunks go to the hashing thread
 * {@link #BATCH} at a time: one hand-off, and so one wake-up of that thread and of its caller,
 * per batch instead of per chunk (a thread hand-off costs tens of microseconds on this project's
 * VM, and a 1 GiB envelope has 16,384 chunks; docs/benchmarks.md, session 22). Memory is bounded:
 * at most {@link #DEPTH} buffers of one chunk each; {@link #buffer()} blocks until the oldest batch
 * is hashed when all are in use.
 *
 * <p>A buffer passed to {@link #hash} is read by the hashing thread until it is handed out again
 * by {@link #buffer()}; callers must not modify it before then (reading it is fine).
 */
final class ChunkHasher {
  /**
   * Chunks handed to the hashing thread at once, by default: the server's inspector, which runs one per
   * upload stream and so keeps its memory small (768 KiB of buffers per stream).
   */
  static final int BATCH = 4;
  /**
   * Chunks handed over at once when sealing or opening on the user's machine, where one envelope is
   * processed at a time: a quarter of the hand-offs (a 1 GiB receive: about 0.2 s of wall time and 0.4 s
   * of CPU less, docs/benchmarks.md, session 24) for 3 MiB of buffers.
   */
  static final int LOCAL_BATCH = 16;
  /** Buffers at most with the default batch: the batch being filled, and two handed over (one hashed, one queued). */
  static final int DEPTH = 3 * BATCH;
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

  private record Chunk(byte[] buffer, int off, int len) {}

  private record Pending(List<Chunk> chunks, CompletableFuture<byte[][]> hashes) {}

  private final int bufferSize;
  private final boolean parallel;
  private final int batch;
  private final Consumer<byte[]> inOrder;
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private final ArrayDeque<Pending> inflight = new ArrayDeque<>();
  /** Chunks given to {@link #hash} and not yet handed over; always newer than those in {@link #inflight}. */
  private List<Chunk> filling;
  private int allocated;
  private long handOffs;

  ChunkHasher(int bufferSize, boolean parallel, Consumer<byte[]> inOrder) {
    this(bufferSize, parallel, BATCH, inOrder);
  }

  /** Hands chunks to the hashing thread {@code batch} at a time, with at most {@code 3 * batch} buffers. */
  ChunkHasher(int bufferSize, boolean parallel, int batch, Consumer<byte[]> inOrder) {
    this.bufferSize = bufferSize;
    this.parallel = parallel;
    this.batch = batch;
    this.filling = new ArrayList<>(batch);
    this.inOrder = inOrder;
  }

  /** A buffer the caller may fill, recycled from a chunk whose hash has been consumed. */
  byte[] buffer() {
    if (free.isEmpty()) {
      if (allocated < (parallel ? 3 * batch : 1)) {
        allocated++;
        return new byte[bufferSize];
      }
      if (inflight.isEmpty()) {
        handOver(); // every buffer is in the batch being filled
      }
      completeOldest();
    }
    return free.poll();
  }

  /** Hashes {@code buf[off, off+len)}; the buffer returns to the pool once its hash was consumed. */
  void hash(byte[] buf, int off, int len) {
    if (parallel) {
      filling.add(new Chunk(buf, off, len));
      if (filling.size() == batch) {
        handOver();
      }
    } else {
      inOrder.accept(sha256(buf, off, len));
      free.add(buf);
    }
  }

  /** Waits for every pending hash and consumes them in order. */
  void drain() {
    handOver();
    while (!inflight.isEmpty()) {
      completeOldest();
    }
  }

  /** Batches handed to the hashing thread so far. */
  long handOffs() {
    return handOffs;
  }

  private void handOver() {
    if (filling.isEmpty()) {
      return;
    }
    List<Chunk> full = filling;
    filling = new ArrayList<>(this.batch);
    inflight.add(new Pending(full, CompletableFuture.supplyAsync(() -> sha256All(full), POOL)));
    handOffs++;
  }

  private void completeOldest() {
    Pending p = inflight.poll();
    if (p == null) {
      throw new IllegalStateException("envelope: internal error: no chunk buffer available");
    }
    byte[][] hashes = p.hashes().join();
    for (int i = 0; i < hashes.length; i++) {
      inOrder.accept(hashes[i]);
      free.add(p.chunks().get(i).buffer());
    }
  }

  private static byte[][] sha256All(List<Chunk> chunks) {
    byte[][] hashes = new byte[chunks.size()][];
    for (int i = 0; i < hashes.length; i++) {
      Chunk c = chunks.get(i);
      hashes[i] = sha256(c.buffer(), c.off(), c.len());
    }
    return hashes;
  }

  private static byte[] sha256(byte[] b, int off, int len) {
    MessageDigest md = SHA256.get();
    md.update(b, off, len);
    return md.digest();
  }
}
