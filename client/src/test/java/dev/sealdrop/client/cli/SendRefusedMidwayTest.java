package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code send} refused by its own check while it uploads (FILE: changed while it was read) gives its upload up on
 * the server: nothing of it holds quota or disk there afterwards, and the profile keeps nothing (found by an outside
 * test: the server refused the abandon as busy, since the failed run's stream was still attached, and a GiB stayed
 * for upload-abandon-after).
 */
class SendRefusedMidwayTest extends DevServerPerClass {
  // own threads, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two CPUs,
  // JDK-8319447), where a task that blocks holds up every one queued behind it (as it did in LockdownSwitchTest)
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    alice = startWithAliceAndBob();
  }

  @Test
  void aSendRefusedAsChangedWhileUploadingLeavesNoUploadOnTheServer() throws Exception {
    Path big = root.resolve("changing.bin");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(768L << 20); // sparse: cheap to make, long enough to be changed while it is read
    }
    CompletableFuture<CliRun> send = CompletableFuture.supplyAsync(
        () -> alice.run("--json", "send", big.toString(), "--to", "bob"), threads);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!serverHolds(1L << 20)) {
      assertThat(send.isDone()).as("the send ended before its upload was seen").isFalse();
      assertThat(System.nanoTime()).as("the upload never started").isLessThan(deadline);
      Thread.sleep(10);
    }
    Files.setLastModifiedTime(big, FileTime.fromMillis(0)); // as `touch` would, while it is read
    CliRun r = send.get(120, TimeUnit.SECONDS).assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "FILE_CHANGED");
    assertThat(serverHolds(1)).as("no unfinished upload left on the server").isFalse();
    try (Stream<Path> s = Files.list(alice.home().resolve("state").resolve("uploads"))) {
      assertThat(s).as("nothing kept in the profile").isEmpty();
    }
  }

  /** Whether an unfinished upload on the server holds at least {@code bytes}. */
  private static boolean serverHolds(long bytes) throws IOException {
    Path tmp = root.resolve("data").resolve("tmp");
    if (!Files.isDirectory(tmp)) {
      return false;
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.anyMatch(p -> {
        try {
          return Files.size(p) >= bytes;
        } catch (IOException e) {
          return false; // committed or deleted meanwhile
        }
      });
    }
  }
}
