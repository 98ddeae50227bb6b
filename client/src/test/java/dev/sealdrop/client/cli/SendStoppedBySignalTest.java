package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code send} stopped by SIGTERM while it seals and uploads: its next run starts from scratch
 * (the envelope's file key lived only in memory), so the process leaves nothing of it in the
 * profile's {@code state/uploads/}; its state file used to stay until the same file was sent again.
 */
class SendStoppedBySignalTest extends DevServerPerClass {
  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    assumeThat(System.getProperty("os.name")).as("SIGTERM").doesNotStartWith("Windows");
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void sigtermDuringTheUploadLeavesNoStateFileBehind() throws Exception {
    // large enough that the upload is still running when the signal comes (sparse: cheap to make)
    Path big = root.resolve("big.bin");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(512L << 20);
    }
    Path uploads = alice.home().resolve("state").resolve("uploads");
    Path out = root.resolve("send.out");
    Path err = root.resolve("send.err");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--home", alice.home().toString(), "send", big.toString(), "--to", "bob"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("SEALDROP_PASSPHRASE", Users.passphrase("alice"));
    Process send = pb.start();
    try {
      // the upload is under way: its state file exists and the server has stored part of the envelope
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!(count(uploads, ".properties") == 1 && serverHolds(1L << 20))) {
        assertThat(send.isAlive()).as("send still running; stderr: %s", Files.readString(err)).isTrue();
        assertThat(System.nanoTime()).as("the upload never started").isLessThan(deadline);
        Thread.sleep(20);
      }
      send.destroy(); // SIGTERM
      assertThat(send.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      send.destroyForcibly();
    }
    assertThat(send.exitValue()).as("stopped by the signal, not finished: %s", Files.readString(err)).isEqualTo(143);
    assertThat(Files.readString(err, StandardCharsets.UTF_8)).contains("sealdrop: error: interrupted");
    assertThat(count(uploads, ".properties")).as("state files left").isZero();
    assertThat(count(uploads, ".sealed")).as("spools left").isZero();
  }

  private static long count(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(suffix)).count();
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
