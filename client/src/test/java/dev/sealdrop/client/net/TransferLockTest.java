package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transfer's lock holds against other processes while this one takes and lets go of other transfers' locks in the
 * same lock file (review DU: each lock opened its own channel of the file, and closing one dropped every lock the
 * process held on it, so that a send looking at another version's state let a second run take its own lock). Other
 * processes are real JVMs ({@link Probe}).
 */
class TransferLockTest {
  @TempDir
  Path dir;

  /** A child JVM's try at the lock of {@code state}: "held" or "taken". */
  static final class Probe {
    public static void main(String[] args) throws IOException {
      Optional<TransferLock> l = TransferLock.tryAcquire(Path.of(args[0]));
      System.out.println(l.isPresent() ? "taken" : "held");
    }
  }

  private static String probe(Path state) throws Exception {
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Probe.class.getName(), state.toString()))
        .redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes()).strip();
  }

  private Path state(String name) throws IOException {
    Path uploads = Files.createDirectories(dir.resolve("state").resolve("uploads"));
    return StateFile.nameFor(uploads, ".properties", name);
  }

  @Test
  void aLockStaysHeldWhileThisProcessTakesAndLetsGoOfOthers() throws Exception {
    Path mine = state("mine");
    Path other = state("other");
    try (TransferLock held = TransferLock.tryAcquire(mine).orElseThrow()) {
      // another transfer's lock taken and let go, as a send looking at another version's state does
      TransferLock.tryAcquire(other).orElseThrow().close();
      // and one held in this process already, tried again
      assertThat(TransferLock.tryAcquire(mine)).isEmpty();
      assertThat(probe(mine)).as("another process still finds it held").isEqualTo("held");
      assertThat(probe(other)).as("the one let go is free").isEqualTo("taken");
    }
    assertThat(probe(mine)).as("free once let go").isEqualTo("taken");
  }

  @Test
  void closingALockTwiceLetsGoOnce() throws Exception {
    Path a = state("a");
    Path b = state("b");
    TransferLock first = TransferLock.tryAcquire(a).orElseThrow();
    try (TransferLock second = TransferLock.tryAcquire(b).orElseThrow()) {
      first.close();
      first.close();
      assertThat(probe(b)).isEqualTo("held");
    }
  }
}
