package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.envelope.FileMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code send} announces the least size its envelope can have, so a file that cannot fit the
 * server's per-file limit is refused before any byte is uploaded (docs/admin.md, max-upload-bytes),
 * and one that fits goes through.
 */
class SendSizeLimitTest extends DevServerPerClass {
  static final long LIMIT = 1L << 20;

  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    startServer(dev -> dev.withLimits(LIMIT, dev.uploads().quotaBytes()));
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void aFileThatCannotFitTheLimitIsRefusedBeforeAnyByteIsUploaded() throws Exception {
    // the plaintext alone is the limit: its chunks' tags and the trailer take the envelope over it
    Path big = Files.write(root.resolve("big.csv"), new byte[(int) LIMIT]);
    CliRun r = alice.run("--json", "send", big.toString(), "--to", "bob").assertExit(6);
    assertThat(r.jsonError()).containsEntry("reason", "UPLOAD_TOO_LARGE");
    assertThat(server.audit().tail(1000)).noneMatch(e -> e.action().equals("upload.commit"))
        .anySatisfy(e -> {
          assertThat(e.action()).isEqualTo("upload.start");
          assertThat(e.result()).isEqualTo("upload-too-large");
        });
    // no upload was created, so no byte of it was stored, and nothing is kept to resume
    try (Stream<Path> tmp = Files.exists(root.resolve("data/tmp")) ? Files.list(root.resolve("data/tmp"))
        : Stream.empty(); Stream<Path> state = Files.list(alice.home().resolve("state").resolve("uploads"))) {
      assertThat(tmp).isEmpty();
      assertThat(state).isEmpty();
    }
  }

  @Test
  void anEnvelopeThatPassesTheLimitWhileStreamingIsRefusedForGoodAndLeavesNothingToResume() throws Exception {
    // the largest file whose announced lower bound still fits: its header takes the envelope over the limit
    long size = LIMIT;
    while (new FileMetadata("x", size, "", Instant.EPOCH).envelopeSizeAtLeast() > LIMIT) {
      size--;
    }
    Path edge = Files.write(root.resolve("edge.csv"), new byte[(int) size]);
    for (int run = 1; run <= 2; run++) {
      CliRun r = alice.run("--json", "send", edge.toString(), "--to", "bob").assertExit(6);
      assertThat(r.jsonError()).containsEntry("reason", "UPLOAD_TOO_LARGE");
      // the same command again is refused the same way, not "resumed" from a spool the server would refuse
      assertThat(r.err()).doesNotContain("resum");
      try (Stream<Path> state = Files.list(alice.home().resolve("state").resolve("uploads"))) {
        assertThat(state).as("run %d: nothing kept to resume", run).isEmpty();
      }
      // the server deleted what it had received at once: it waits for no resume and counts against no quota
      try (Stream<Path> tmp = Files.exists(root.resolve("data/tmp")) ? Files.list(root.resolve("data/tmp"))
          : Stream.empty()) {
        assertThat(tmp).as("run %d: no upload data kept on the server", run).isEmpty();
      }
    }
  }

  @Test
  void aFileWellUnderTheLimitIsSent() throws Exception {
    Path small = Files.write(root.resolve("small.csv"), new byte[(int) (LIMIT / 2)]);
    CliRun r = alice.run("--json", "send", small.toString(), "--to", "bob").assertExit(0);
    assertThat(r.json()).containsKey("token");
  }
}
