package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Round AL: a result that could not be written to standard output (a full disk, {@code /dev/full}) was lost in
 * silence: the command exited 0, and a send's one-time token went nowhere while its grant stayed active. Now the command
 * fails with {@code OUTPUT_FAILED} on stderr, and a send revokes the grant whose token nobody saw. A real child JVM with
 * its standard output on {@code /dev/full}.
 */
class UnwritableOutputTest extends DevServerPerClass {
  static Cli alice;

  @BeforeAll
  static void start() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "a /dev/full (Linux) to write to");
    alice = startWithAliceAndBob();
  }

  /** Runs the CLI in a child JVM as alice, its stdout on /dev/full; its exit code and stderr. */
  private static CliRun toDevFull(String... args) throws Exception {
    return child(false, args);
  }

  /**
   * Runs the CLI in a child JVM as alice, its stdout a pipe whose reader closed it before the JVM started (as {@code
   * | head -1} does once it has its line, or {@code | true} at once); its exit code and stderr.
   */
  private static CliRun toClosedPipe(String... args) throws Exception {
    return child(true, args);
  }

  /** As {@link #toClosedPipe}, its stdout a named pipe ({@code mkfifo}) whose reader opened it and closed it at once. */
  private static CliRun toClosedNamedPipe(String... args) throws Exception {
    Path fifo = root.resolve("out-" + System.nanoTime());
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    Thread reader = new Thread(() -> {
      try (java.io.InputStream in = Files.newInputStream(fifo)) {
        // opened, so that the writer's open returns; closed before anything is read
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    reader.setDaemon(true);
    reader.start();
    return child(false, fifo.toFile(), args);
  }

  private static CliRun child(boolean closedPipe, String... args) throws Exception {
    return child(closedPipe, new java.io.File("/dev/full"), args);
  }

  private static CliRun child(boolean closedPipe, java.io.File out, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--home",
        alice.home().toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (!closedPipe) {
      pb.redirectOutput(out);
    }
    pb.environment().put("SEALDROP_PASSPHRASE", Users.passphrase("alice"));
    Process p = pb.start();
    if (closedPipe) {
      p.getInputStream().close();
    }
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new CliRun(p.exitValue(), "", err);
  }

  @Test
  void aSendWhoseTokenCannotBeWrittenFailsAndRevokesItsGrant() throws Exception {
    Map<String, Long> before = grantStates();
    Path csv = Files.writeString(root.resolve("clients.csv"), "customer_id,name\n1,ACME GmbH\n");
    for (String mode : new String[] {"--json", "--verbose"}) {
      CliRun r = toDevFull(mode, "send", csv.toString(), "--to", "bob");
      assertThat(r.exit()).as(r.err()).isEqualTo(2);
      assertThat(r.err()).contains("the result could not be written to standard output")
          .contains("was not written whole; that grant is revoked")
          .as("no word of handing on a token nobody saw (round AR)").doesNotContain("by another channel");
      // the upload stays on the server: the hint grants it again rather than uploading it anew (round BK)
      assertThat(r.err()).containsPattern("grant the uploaded file again: `sealdrop (--home \\S+ )?grant f_[0-9a-f]{32}"
          + " --to bob`");
    }
    Map<String, Long> after = grantStates();
    assertThat(after.getOrDefault("revoked", 0L)).as("both grants the sends made are revoked")
        .isEqualTo(before.getOrDefault("revoked", 0L) + 2);
    assertThat(after.getOrDefault("active", 0L)).as("none left active").isEqualTo(before.getOrDefault("active", 0L));
  }

  /** How many of alice's grants are in each state. */
  private static Map<String, Long> grantStates() {
    return alice.run("--json", "grants").assertExit(0).list("grants").stream().collect(
        java.util.stream.Collectors.groupingBy(g -> (String) g.get("state"), java.util.stream.Collectors.counting()));
  }

  /** Round AN: {@code grant} left its grant active, though {@code send} revoked its own. */
  @Test
  void aGrantWhoseTokenCannotBeWrittenIsRevoked() throws Exception {
    Path csv = Files.writeString(root.resolve("granted.csv"), "customer_id,name\n2,Globex\n");
    Map<String, Object> sent = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0).json();
    String fileId = (String) ((Map<?, ?>) sent.get("grant")).get("file_id");
    CliRun r = toDevFull("grant", fileId, "--to", "bob");
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("was not written whole; that grant is revoked").contains("run the same grant again")
        .doesNotContain("by another channel");
    assertThat(alice.run("--json", "grants").assertExit(0).list("grants"))
        .filteredOn(g -> fileId.equals(g.get("file_id"))).extracting(g -> g.get("state"))
        .containsExactlyInAnyOrder("active", "revoked");
  }

  @Test
  void aListingOrTheVersionThatCannotBeWrittenFails() throws Exception {
    for (String[] args : new String[][] {{"--json", "grants"}, {"files"}, {"--json", "--version"}, {"--help"},
        {"grant", "--help"}, {"--version"}}) {
      CliRun r = toDevFull(args);
      assertThat(r.exit()).as("%s: %s", String.join(" ", args), r.err()).isEqualTo(2);
      assertThat(r.err()).containsPattern("the (result|output) could not be written to standard output");
    }
  }

  /**
   * Round CM: {@code sealdrop files | head -1} of a long listing exited 2 with "could not be written (a full disk, or a
   * closed pipe)". A report read in part lost nothing: it ends as a Unix listing does, quietly.
   */
  @Test
  void aListingOrHelpWhoseReaderClosedThePipeEndsQuietly() throws Exception {
    for (String[] args : new String[][] {{"--json", "grants"}, {"files"}, {"keys", "show"}, {"--version"},
        {"--help"}, {"grant", "--help"}, {"help", "send"}}) {
      CliRun r = toClosedPipe(args);
      assertThat(r.exit()).as("%s: %s", String.join(" ", args), r.err()).isZero();
      assertThat(r.err()).as(String.join(" ", args)).doesNotContain("could not be written");
    }
    // a named pipe is a pipe too (review CQ: it was taken for a full disk)
    CliRun named = toClosedNamedPipe("files");
    assertThat(named.exit()).as(named.err()).isZero();
    assertThat(named.err()).doesNotContain("could not be written");
  }

  /**
   * Review CQ: {@code keys show IDENTITY} pins the key on first use (and replaces a pin with --accept-new-key): that is
   * an act, whose result (status first_use, the fingerprint to compare) another run does not show as such, so a pipe
   * closed before it was read fails the command, as for any act's report; a key already pinned is a report.
   */
  @Test
  void aKeyPinnedNowWhoseReaderClosedThePipeFailsAKnownOneEndsQuietly() throws Exception {
    Users.initAndPublish(pki, root, "dave", address);
    CliRun first = toClosedPipe("--json", "keys", "show", "dave");
    assertThat(first.exit()).as(first.err()).isEqualTo(2);
    assertThat(first.err()).contains("pinned dave's key on first use").contains("the result could not be written to"
        + " standard output: the program reading it (after a |, or at the other end of a pipe or socket) closed it"
        + " first");
    CliRun known = toClosedPipe("--json", "keys", "show", "dave");
    assertThat(known.exit()).as(known.err()).isZero();
    assertThat(known.err()).doesNotContain("could not be written");
  }

  /** A send's token that a closed pipe took is no report: the send fails, says the reader closed it, and revokes. */
  @Test
  void aSendWhoseTokenAClosedPipeTookFailsSayingSoAndRevokesItsGrant() throws Exception {
    Map<String, Long> before = grantStates();
    Path csv = Files.writeString(root.resolve("piped.csv"), "customer_id,name\n3,Initech\n");
    CliRun r = toClosedPipe("send", csv.toString(), "--to", "bob");
    assertThat(r.exit()).as(r.err()).isEqualTo(2);
    assertThat(r.err()).contains("the result could not be written to standard output: the program reading it (after"
        + " a |, or at the other end of a pipe or socket) closed it first").doesNotContain("full disk")
        .contains("was not written whole; that grant is revoked").contains("a program that reads all of it")
        .doesNotContain("a disk with room");
    assertThat(grantStates().getOrDefault("revoked", 0L)).isEqualTo(before.getOrDefault("revoked", 0L) + 1);
  }
}
