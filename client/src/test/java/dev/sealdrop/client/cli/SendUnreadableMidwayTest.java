package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A FILE whose reads fail once the upload has started (here /proc/self/mem, which opens but answers EIO; a failing
 * disk does so too): READ_FAILED, and the upload it created is given up on the server, not left to hold quota.
 */
class SendUnreadableMidwayTest extends DevServerPerClass {
  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    alice = startWithAliceAndBob();
  }

  @Test
  void aFileWhoseReadsFailIsReadFailedAndItsUploadIsGivenUp() throws Exception {
    Path mem = Path.of("/proc/self/mem");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(mem), "no /proc/self/mem here");
    CliRun r = alice.run("--json", "send", mem.toString(), "--to", "bob").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "READ_FAILED");
    try (Stream<Path> open = Files.list(root.resolve("data").resolve("tmp"))) {
      assertThat(open).as("no unfinished upload left on the server").isEmpty();
    }
    try (Stream<Path> kept = Files.list(alice.home().resolve("state").resolve("uploads"))) {
      assertThat(kept.filter(p -> p.toString().endsWith(".properties"))).as("no state kept").isEmpty();
    }
  }
}
