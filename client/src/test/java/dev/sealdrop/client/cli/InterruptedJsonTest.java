package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sealdrop.certsdev.DevPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while a command waits (here: opening a passphrase file that is a FIFO nobody writes):
 * the CLI, a real child JVM started through {@link Main}, still prints exactly one JSON document
 * under --json, or one error line on stderr without it, and exits 143; a command that finished
 * normally prints nothing more when the JVM exits.
 */
class InterruptedJsonTest {
  @TempDir
  static Path root;
  static Cli bob;
  static Path sealed;

  @BeforeAll
  static void setUp() throws Exception {
    assumeThat(System.getProperty("os.name")).as("FIFOs and SIGTERM").doesNotStartWith("Windows");
    bob = Users.init(DevPki.loadOrCreate(root.resolve("pki")), root, "bob", "127.0.0.1:1");
    // open reads its header (sealed for bob) before the passphrase, and waits for it then
    sealed = Users.cutEnvelopeFor(bob, "bob", root);
  }

  @Test
  void sigtermWhileWaitingPrintsOneInterruptedJsonDocument() throws Exception {
    Child c = startWaiting("json", "--json");
    c.process.destroy(); // SIGTERM
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    CliRun r = c.result();
    assertThat(r.exit()).isEqualTo(143);
    assertThat(r.jsonError()).containsEntry("exit_code", 143L).containsEntry("kind", "interrupted")
        .containsEntry("reason", "INTERRUPTED").containsKeys("message", "hint");
    assertThat(r.err()).contains("sealdrop: error: interrupted");
    assertThat(root.resolve("out-json.csv")).doesNotExist();
  }

  @Test
  void sigtermWithoutJsonSaysSoOnStderrOnly() throws Exception {
    Child c = startWaiting("human");
    c.process.destroy();
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    CliRun r = c.result();
    assertThat(r.exit()).isEqualTo(143);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("sealdrop: error: interrupted").contains("sealdrop: hint: run the same command again");
  }

  /**
   * A signal while picocli is still building its model (about a second of a cold JVM; here stretched
   * by the interpreter, so that the signal surely comes in it): the one document is printed, in
   * JSON as the raw arguments asked. It used to be missing: the hook was installed only after.
   */
  @Test
  void sigtermBeforeTheOptionsAreParsedStillPrintsTheJsonDocument() throws Exception {
    Path classes = root.resolve("early-classes.log");
    Child c = start(List.of("-Xint", "-Xlog:class+load:file=" + classes), List.of("--home", bob.home().toString(),
        "--json", "inbox"), "early");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.exists(classes) || !Files.readString(classes).contains("picocli.CommandLine ")) {
      assertThat(c.process.isAlive()).as("child still running; stderr: %s", Files.readString(c.err)).isTrue();
      assertThat(System.nanoTime()).as("picocli never loaded").isLessThan(deadline);
      Thread.sleep(5);
    }
    c.process.destroy(); // SIGTERM
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    CliRun r = c.result();
    assertThat(r.exit()).isEqualTo(143);
    assertThat(r.jsonError()).containsEntry("exit_code", 143L).containsEntry("reason", "INTERRUPTED");
    assertThat(r.err()).contains("sealdrop: error: interrupted");
  }

  /**
   * Ctrl-C (SIGINT) and SIGHUP: the document's exit_code is the status the process exits with, 128 + the signal (it
   * said 143, SIGTERM's, whatever the signal). Started with every signal at its default: a test run as a background
   * job (as CI may be) has SIGINT ignored, and its children inherit that.
   */
  @Test
  void sigintAndSighupAreToldWithTheStatusTheProcessExitsWith() throws Exception {
    assumeThat(envResetsSignals()).as("env --default-signal (GNU coreutils 8.31 or later)").isTrue();
    for (String[] signal : new String[][] {{"INT", "130"}, {"HUP", "129"}}) {
      Child c = startWaiting("sig" + signal[0], List.of("--json", "open", sealed.toString(), "-o",
          root.resolve("out-sig" + signal[0] + ".csv").toString()), List.of("env", "--default-signal"));
      signal(c.process, signal[0]);
      assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      CliRun r = c.result();
      int status = Integer.parseInt(signal[1]);
      assertThat(r.exit()).as("SIG%s; stderr: %s", signal[0], r.err()).isEqualTo(status);
      assertThat(r.jsonError()).as("SIG%s", signal[0]).containsEntry("exit_code", (long) status)
          .containsEntry("kind", "interrupted").containsEntry("reason", "INTERRUPTED");
      assertThat(r.err()).contains("sealdrop: error: interrupted");
    }
  }

  /**
   * A SIGINT the process was started ignoring (a background job's, as a shell leaves it) stays ignored: watching which
   * signal ends the CLI must not make Ctrl-C in another window end a job that was put in the background. (HotSpot
   * itself installs no handler for a signal ignored at its start; this guards the property, whatever does it.)
   */
  @Test
  void anIgnoredSigintStaysIgnored() throws Exception {
    assumeThat(envResetsSignals()).as("env --ignore-signal (GNU coreutils 8.31 or later)").isTrue();
    Child c = startWaiting("ignored", List.of("--json", "open", sealed.toString(), "-o",
        root.resolve("out-ignored.csv").toString()), List.of("env", "--ignore-signal=INT"));
    signal(c.process, "INT");
    assertThat(c.process.waitFor(3, TimeUnit.SECONDS)).as("still waiting for its passphrase after SIGINT").isFalse();
    c.process.destroy(); // SIGTERM
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    CliRun r = c.result();
    assertThat(r.exit()).isEqualTo(143);
    assertThat(r.jsonError()).containsEntry("exit_code", 143L);
  }

  private static boolean envResetsSignals() throws Exception {
    Process p = new ProcessBuilder("env", "--default-signal", "--ignore-signal=INT", "true")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  private static void signal(Process process, String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", name).isTrue();
  }

  /** A receive stopped before it redeemed anything says so (it spoke of a claim window: outside test). */
  @Test
  void sigtermBeforeAReceiveRedeemedAnythingSaysNothingWasRedeemed() throws Exception {
    Child c = startWaiting("receive", List.of("receive", "sdg_" + "A".repeat(43), "-o", root.toString()));
    c.process.destroy();
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    CliRun r = c.result();
    assertThat(r.exit()).as(r.err()).isEqualTo(143);
    assertThat(r.err()).contains("sealdrop: hint: run the same command again (nothing was redeemed yet)")
        .doesNotContain("claim");
  }

  /** Round X: a seal stopped by a signal left its temporary output (ciphertext, up to the file's size) for good. */
  @Test
  void sigtermDuringASealDeletesItsTemporaryOutput() throws Exception {
    Path folder = Files.createDirectories(root.resolve("seal-out"));
    Path plain = Files.writeString(root.resolve("seal-in.csv"), "id,name\n1,a\n");
    Child c = startWaiting("seal", List.of("seal", plain.toString(), "--to", "bob", "-o",
        folder.resolve("out.sd").toString()));
    assertThat(temporaries(folder)).as("the seal's temporary output, made before the passphrase is read").hasSize(1);
    c.process.destroy(); // SIGTERM
    assertThat(c.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(c.result().exit()).as(c.result().err()).isEqualTo(143);
    assertThat(temporaries(folder)).isEmpty();
    assertThat(folder.resolve("out.sd")).doesNotExist();
  }

  private static List<Path> temporaries(Path folder) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(folder)) {
      // a seal's own temporary name: ".sealdrop-s", its 16-character key, "-" (SealCommand.partialPrefix)
      return files.filter(p -> p.getFileName().toString().matches("\\.sealdrop-s[0-9a-z]{16}-.*\\.part")).toList();
    }
  }

  @Test
  void normalEndPrintsNoSecondDocument() throws Exception {
    // the hook runs at every System.exit: after a result and after an error it must stay silent
    CliRun ok = run(List.of("--json", "--version"));
    assertThat(ok.exit()).isZero();
    assertThat(ok.json()).containsEntry("ok", true);
    CliRun failed = run(List.of("--home", bob.home().toString(), "--json", "open",
        root.resolve("missing.sealed").toString(), "-o", root.resolve("m.csv").toString()));
    assertThat(failed.exit()).isEqualTo(2);
    assertThat(failed.jsonError()).containsEntry("reason", "FILE_NOT_FOUND");
    assertThat(failed.err()).doesNotContain("interrupted");
    CliRun human = run(List.of("--version"));
    assertThat(human.exit()).isZero();
    assertThat(human.err()).doesNotContain("interrupted");
  }

  private record Child(Process process, Path out, Path err) {
    CliRun result() throws IOException {
      return new CliRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    }
  }

  /**
   * Starts {@code open} reading its passphrase from a FIFO and returns once the child has opened it:
   * our own open for writing blocks until then. The writer stays open and silent, so the child
   * then waits in read() until the signal.
   */
  private static Child startWaiting(String name, String... flags) throws Exception {
    List<String> command = new ArrayList<>(List.of(flags));
    command.addAll(List.of("open", sealed.toString(), "-o", root.resolve("out-" + name + ".csv").toString()));
    return startWaiting(name, command);
  }

  /** As above, for {@code command} (flags, the command and its arguments), which reads its passphrase first. */
  private static Child startWaiting(String name, List<String> command) throws Exception {
    return startWaiting(name, command, List.of());
  }

  /** As above, the JVM started through {@code launcher} (a program and its options that then runs it, or none). */
  private static Child startWaiting(String name, List<String> command, List<String> launcher) throws Exception {
    Path fifo = root.resolve("pass-" + name + ".fifo");
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mk.waitFor(30, TimeUnit.SECONDS) && mk.exitValue() == 0).as("mkfifo").isTrue();
    List<String> args = new ArrayList<>(List.of("--home", bob.home().toString()));
    args.addAll(command);
    args.addAll(List.of("--passphrase-file", fifo.toString()));
    Child c = start(launcher, List.of("-XX:TieredStopAtLevel=1"), args, name);
    // its own thread, not CompletableFuture's default pool: that may have a single worker (JDK 25 on one or two
    // CPUs, JDK-8319447), where a task that blocks holds up every one queued behind it (as in LockdownSwitchTest)
    ExecutorService opener = Executors.newSingleThreadExecutor();
    try {
      CompletableFuture<OutputStream> writer = CompletableFuture.supplyAsync(() -> {
        try {
          return Files.newOutputStream(fifo);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, opener);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!writer.isDone()) {
        assertThat(c.process.isAlive()).as("child still running; stderr: %s", Files.readString(c.err)).isTrue();
        assertThat(System.nanoTime()).as("child never opened the FIFO").isLessThan(deadline);
        Thread.sleep(50);
      }
      OPEN_WRITERS.add(writer.get());
    } finally {
      opener.shutdownNow();
    }
    return c;
  }

  private static final List<OutputStream> OPEN_WRITERS = new ArrayList<>();

  @AfterAll
  static void closeWriters() throws IOException {
    for (OutputStream o : OPEN_WRITERS) {
      o.close();
    }
  }

  private static CliRun run(List<String> args) throws Exception {
    Child c = start(args, "run-" + System.nanoTime());
    assertThat(c.process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return c.result();
  }

  private static Child start(List<String> args, String name) throws IOException {
    return start(List.of("-XX:TieredStopAtLevel=1"), args, name);
  }

  private static Child start(List<String> jvmOptions, List<String> args, String name) throws IOException {
    return start(List.of(), jvmOptions, args, name);
  }

  private static Child start(List<String> launcher, List<String> jvmOptions, List<String> args, String name)
      throws IOException {
    List<String> command = new ArrayList<>(launcher);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    Path out = root.resolve(name + ".out");
    Path err = root.resolve(name + ".err");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().remove("SEALDROP_PASSPHRASE");
    return new Child(pb.start(), out, err);
  }
}
