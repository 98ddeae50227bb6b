package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.net.Uploader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A send writes no spool while the upload goes well; when it breaks, the spool holds only what the
 * server may lack (the in-memory tail of {@link Uploader#RESUME_TAIL_BYTES}, then the rest of the
 * sealing). Against {@link FakeServer} (real mTLS) with files larger than that tail.
 */
class UploadResumeFromTailTest {
  private static final long FILE_BYTES = Uploader.RESUME_TAIL_BYTES + (12L << 20);
  private static final long BREAK_AT = Uploader.RESUME_TAIL_BYTES + (6L << 20);

  @TempDir
  static Path root;
  static DevPki pki;
  static Path file;

  @BeforeAll
  static void setUp() throws IOException {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
    file = root.resolve("big.bin");
    Random random = new Random(42);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = FILE_BYTES; left > 0; left -= block.length) {
        random.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    }
  }

  @Test
  void aBrokenUploadSpoolsOnlyTheTailTheServerMayLackAndResumesAtTheServersOffset() throws Exception {
    Path dir = Files.createDirectories(root.resolve("tail"));
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile())) {
      Cli alice = users(dir, server);
      Cli bob = Users.user(dir, "bob");
      server.breakUploadAfter = BREAK_AT;
      alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);
      long committedBefore = server.storedSize();
      assertThat(committedBefore).isGreaterThanOrEqualTo(BREAK_AT);

      Path uploads = alice.home().resolve("state/uploads");
      Path spool = only(uploads, ".sealed");
      Properties state = load(only(uploads, ".properties"));
      long spoolOffset = Long.parseLong(state.getProperty("spool_offset"));
      assertThat(state.getProperty("spooled")).isEqualTo("true");
      assertThat(state.getProperty("sealed")).as("a key earlier versions read as a spool from byte 0").isNull();
      assertThat(spoolOffset).as("the spool starts after the first byte: the server already has the head")
          .isPositive().isLessThanOrEqualTo(committedBefore);
      // The tail is counted back from what the client sent; the server stored less than that by what
      // was in flight when the connection broke (up to a flow-control window and a message, 1 MiB
      // each, depending on timing: a 1 MiB allowance failed once by 32 KiB on a loaded machine).
      assertThat(committedBefore - spoolOffset).as("the tail covers at least its budget, unless it reaches 0")
          .isGreaterThanOrEqualTo(Uploader.RESUME_TAIL_BYTES - (4L << 20));
      long spoolBytes = Files.size(spool);

      CliRun second = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(server.uploadStartOffsets).containsExactly(0L, committedBefore);
      assertThat(spoolOffset + spoolBytes).as("head on the server + spool = the whole envelope")
          .isEqualTo(server.storedSize());
      try (Stream<Path> left = Files.list(uploads)) {
        assertThat(left).as("state and spool removed after success").isEmpty();
      }
      assertReceivedIntact(dir, bob, (String) second.json().get("token"));
    }
  }

  @Test
  void whenTheServerKeptLessThanTheSpoolCoversTheNextRunSaysSoAndSealsAfresh() throws Exception {
    Path dir = Files.createDirectories(root.resolve("lost"));
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile())) {
      Cli alice = users(dir, server);
      Cli bob = Users.user(dir, "bob");
      server.breakUploadAfter = BREAK_AT;
      server.keepOnBreak = 1 << 20; // as if the server crashed and kept only its first checkpoint
      alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);

      CliRun second = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(second.err()).contains("cannot be resumed").contains("starting over");
      assertThat(server.uploadStartOffsets).containsExactly(0L, 0L);
      assertReceivedIntact(dir, bob, (String) second.json().get("token"));
    }
  }

  @Test
  void anUploadThatBreaksNearItsEndStillResumes() throws Exception {
    Path dir = Files.createDirectories(root.resolve("end"));
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile())) {
      Cli alice = users(dir, server);
      Cli bob = Users.user(dir, "bob");
      server.breakUploadAfter = FILE_BYTES; // the envelope is a little longer: the break comes at its end
      alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(8);
      long committedBefore = server.storedSize();

      CliRun second = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(server.uploadStartOffsets).containsExactly(0L, committedBefore);
      assertReceivedIntact(dir, bob, (String) second.json().get("token"));
    }
  }

  private static Cli users(Path dir, FakeServer server) {
    Cli alice = Users.init(pki, dir, "alice", server.address());
    Cli bob = Users.init(pki, dir, "bob", server.address());
    bob.run("keys", "publish").assertExit(0);
    alice.run("keys", "publish").assertExit(0);
    return alice;
  }

  private static void assertReceivedIntact(Path dir, Cli bob, String token) throws IOException {
    Path out = Files.createDirectories(dir.resolve("bob-out"));
    bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    assertThat(Files.mismatch(out.resolve("big.bin"), file)).isEqualTo(-1L);
  }

  private static Path only(Path dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> found = s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
      assertThat(found).hasSize(1);
      return found.get(0);
    }
  }

  private static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file)) {
      p.load(in);
    }
    return p;
  }
}
