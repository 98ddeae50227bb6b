package dev.sealdrop.client.keystore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Atomic owner-only writes leave no temporary file behind: not on a signal (a transfer state's temporary file holds its
 * claim id, a secret; session 45's last read found one left in {@code state/downloads}), and what a killed process left
 * is deleted by a later write into the same folder.
 */
class SecureFilesTest {
  @TempDir
  Path dir;

  /**
   * What a child JVM runs: atomic writes of one file, one after another, until a signal (a shutdown hook) says stop;
   * the write under way when the signal came is the one whose temporary file was left.
   */
  public static final class WriteUntilStopped {
    public static void main(String[] args) throws Exception {
      Path target = Path.of(args[0]);
      byte[] content = "claim_id=sdc_not-a-real-secret\n".repeat(64).getBytes(StandardCharsets.UTF_8);
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> stop.set(true)));
      System.out.println("writing");
      System.out.flush();
      while (!stop.get()) {
        SecureFiles.write(target, content);
      }
    }
  }

  @Test
  void aSignalDuringAWriteLeavesNoTemporaryFile() throws Exception {
    Path state = Files.createDirectory(dir.resolve("downloads"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int round = 0; round < 10; round++) {
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          WriteUntilStopped.class.getName(), state.resolve("s.properties").toString())
          .redirectErrorStream(true).start();
      try {
        assertThat(new String(child.getInputStream().readNBytes(7), StandardCharsets.UTF_8)).isEqualTo("writing");
        Thread.sleep(200 + 50L * round);
        child.destroy(); // SIGTERM: the shutdown hooks run, no finally does
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        child.destroyForcibly();
      }
      assertThat(names(state)).as("round %d", round).containsExactly("s.properties");
    }
  }

  /**
   * What a child JVM runs: its first atomic write only once a signal has begun the JVM's shutdown, while a shutdown
   * hook holds the JVM for it, as a claim's record does (UntilRecorded); writes the outcome to a second file.
   */
  public static final class FirstWriteDuringShutdown {
    public static void main(String[] args) throws Exception {
      java.util.concurrent.CountDownLatch stopping = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch recorded = new java.util.concurrent.CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        stopping.countDown();
        try {
          recorded.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
      System.out.println("waiting");
      System.out.flush();
      stopping.await();
      String outcome;
      try {
        SecureFiles.write(Path.of(args[0]), "claim_id=sdc_not-a-real-secret\n".getBytes(StandardCharsets.UTF_8));
        outcome = "ok";
      } catch (Throwable t) {
        outcome = t.toString();
      }
      Files.writeString(Path.of(args[1]), outcome);
      recorded.countDown();
      Thread.sleep(60_000);
    }
  }

  /** Round BN: the first write during a shutdown failed with an Error (the hook was registered in a static block). */
  @Test
  void theFirstWriteMadeWhileASignalHoldsTheJvmSucceeds() throws Exception {
    Path state = Files.createDirectory(dir.resolve("held"));
    Path outcome = dir.resolve("outcome");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        FirstWriteDuringShutdown.class.getName(), state.resolve("s.properties").toString(), outcome.toString())
        .redirectErrorStream(true).start();
    try {
      assertThat(new String(child.getInputStream().readNBytes(7), StandardCharsets.UTF_8)).isEqualTo("waiting");
      child.destroy();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(outcome).hasContent("ok");
    assertThat(names(state)).containsExactly("s.properties");
  }

  @Test
  void aWriteDeletesTheTemporaryFilesAKilledProcessLeftButNotFreshOnesOrLinks() throws Exception {
    Path old = Files.writeString(dir.resolve(SecureFiles.TEMP_PREFIX + "1234" + SecureFiles.TEMP_SUFFIX), "old");
    Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(SecureFiles.STALE_TEMPORARY).minusSeconds(60)));
    Path fresh = Files.writeString(dir.resolve(SecureFiles.TEMP_PREFIX + "5678" + SecureFiles.TEMP_SUFFIX), "fresh");
    Path elsewhere = Files.writeString(Files.createDirectory(dir.resolve("elsewhere")).resolve("kept"), "kept");
    Files.setLastModifiedTime(elsewhere, FileTime.from(Instant.EPOCH));
    Path link = Files.createSymbolicLink(dir.resolve(SecureFiles.TEMP_PREFIX + "link" + SecureFiles.TEMP_SUFFIX),
        elsewhere);
    Path other = Files.writeString(dir.resolve("notes.part"), "not ours");
    Files.setLastModifiedTime(other, FileTime.from(Instant.EPOCH));

    SecureFiles.write(dir.resolve("s.properties"), "a=b\n".getBytes(StandardCharsets.UTF_8));

    assertThat(old).doesNotExist();
    assertThat(fresh).hasContent("fresh");
    assertThat(link).isSymbolicLink();
    assertThat(elsewhere).hasContent("kept");
    assertThat(other).hasContent("not ours");
    assertThat(dir.resolve("s.properties")).hasContent("a=b");
  }

  private static List<String> names(Path dir) throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
