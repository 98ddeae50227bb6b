package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.envelope.FileMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A send refused mid-stream by the quota keeps what it uploaded, to resume once space is freed; unfinished
 * uploads hold quota too, so the hint names {@code send --abandon}, which deletes the upload on the server and
 * frees its quota at once (docs/cli.md).
 */
class SendQuotaTest extends DevServerPerClass {
  static final long QUOTA = 8L << 20;

  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    startServer(dev -> dev.withLimits(QUOTA, QUOTA));
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
  }

  @Test
  void aSendRefusedMidStreamByTheQuotaSaysHowToAbandonItAndAbandonFreesTheQuota() throws Exception {
    alice.run("send", random("first.bin", 3 << 20, 1).toString(), "--to", "bob").assertExit(0);
    List<Map<String, Object>> files = alice.run("--json", "files").assertExit(0).list("files");
    long stored = ((Number) files.get(0).get("size")).longValue();
    // the largest file whose announced lower bound still fits the quota: its envelope passes it by a few
    // bytes of header, so the server accepts the upload up front and refuses its last bytes
    long size = QUOTA - stored;
    while (new FileMetadata("second.bin", size, "", Instant.EPOCH).envelopeSizeAtLeast() > QUOTA - stored) {
      size--;
    }
    Path second = random("second.bin", (int) size, 2);
    for (int run = 1; run <= 2; run++) {
      CliRun r = alice.run("--json", "send", second.toString(), "--to", "bob").assertExit(6);
      assertThat(r.jsonError()).as("run %d", run).containsEntry("reason", "QUOTA_EXCEEDED");
      assertThat((String) r.jsonError().get("hint")).as("run %d", run).contains("run the same command again to"
          + " resume once space is freed").contains("sealdrop --home " + alice.home().toAbsolutePath().normalize() + " send " + second
          + " --to bob --abandon"); // with the profile it ran with (review RM)
      assertThat(uploadData()).as("run %d: what it uploaded is kept to resume", run).hasSize(1);
    }
    // a small file cannot be sent while the unfinished upload holds the quota
    Path small = random("small.bin", 2 << 20, 3);
    CliRun refusedUpFront = alice.run("--json", "send", small.toString(), "--to", "bob").assertExit(6);
    assertThat(refusedUpFront.jsonError()).containsEntry("reason", "QUOTA_EXCEEDED");
    assertThat((String) refusedUpFront.jsonError().get("hint")).contains("your unfinished uploads count")
        .contains("sealdrop send FILE --to NAME --abandon");

    // grant terms mean nothing to it: refused before anything is abandoned
    assertThat(alice.run("--json", "send", second.toString(), "--to", "bob", "--abandon", "--expires", "1h")
        .assertExit(2).jsonError()).containsEntry("reason", "ABANDON_SENDS_NOTHING");
    assertThat(uploadData()).as("nothing abandoned yet").hasSize(1);
    CliRun abandoned = alice.run("--json", "send", second.toString(), "--to", "bob", "--abandon").assertExit(0);
    assertThat(abandoned.list("abandoned_uploads")).hasSize(1);
    assertThat(((Number) abandoned.json().get("bytes_freed")).longValue()).isPositive();
    assertThat(uploadData()).as("deleted on the server").isEmpty();
    try (Stream<Path> state = Files.list(alice.home().resolve("state").resolve("uploads"))) {
      assertThat(state).as("forgotten by the profile").isEmpty();
    }
    assertThat(server.audit().tail(100)).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("upload.abandon");
      assertThat(e.actor()).isEqualTo("alice");
      assertThat(e.result()).isEqualTo("ok");
    });
    // the quota it held is free at once
    assertThat(alice.run("--json", "send", small.toString(), "--to", "bob").assertExit(0).json()).containsKey("token");

    // nothing (left) to abandon: said so, nothing changed
    CliRun again = alice.run("--json", "send", second.toString(), "--to", "bob", "--abandon").assertExit(2);
    assertThat(again.jsonError()).containsEntry("reason", "NOTHING_TO_ABANDON");
    assertThat(alice.run("send", second.toString(), "--to", "bob", "--abandon").assertExit(2).err())
        .contains("this profile keeps no unfinished send of " + second + " to bob on this server");
  }

  private static Path random(String name, int size, long seed) throws Exception {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return Files.write(root.resolve(name), bytes);
  }

  /** The server's unfinished uploads' data. */
  private static List<Path> uploadData() throws Exception {
    Path tmp = root.resolve("data/tmp");
    if (!Files.exists(tmp)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
    }
  }
}
