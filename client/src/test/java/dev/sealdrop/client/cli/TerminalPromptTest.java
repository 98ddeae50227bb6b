package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.sealdrop.certsdev.DevPki;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person at a terminal is asked for the passphrase even when stdout is a pipe
 * ({@code TOKEN=$(sealdrop send ... --json)}, where JDK 17 gives the JVM no Console): on the
 * controlling terminal, without echo. Runs the CLI in a real child JVM under {@code script(1)},
 * which gives it a pseudo-terminal as its controlling terminal, with its stdout piped into cat.
 */
class TerminalPromptTest {
  @TempDir
  static Path root;
  static Cli bob;
  static Path notSealed;

  @BeforeAll
  static void setUp() throws Exception {
    assumeThat(Path.of("/usr/bin/script")).as("script(1) from util-linux").exists();
    bob = Users.init(DevPki.loadOrCreate(root.resolve("pki")), root, "bob", "127.0.0.1:1");
    // open finds it damaged only after the keys are unlocked: that it says so proves the passphrase worked
    notSealed = Users.cutEnvelopeFor(bob, "bob", root);
  }

  @Test
  void thePassphraseIsAskedOnTheTerminalWithoutEchoWhenStdoutIsAPipe() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cli = String.join(" ", List.of(quote(java), "-XX:TieredStopAtLevel=1", "-cp",
        quote(System.getProperty("java.class.path")), Main.class.getName(), "--home", quote(bob.home().toString()),
        "--json", "open", quote(notSealed.toString()), "-o", quote(root.resolve("out.csv").toString())));
    ProcessBuilder pb = new ProcessBuilder("script", "-qfec", cli + " | cat", "/dev/null").redirectErrorStream(true);
    pb.environment().remove("SEALDROP_PASSPHRASE");
    Process p = pb.start();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    InputStream in = p.getInputStream();
    OutputStream keyboard = p.getOutputStream();
    awaitPrompt(p, seen);
    keyboard.write((Users.passphrase("bob") + "\r").getBytes(StandardCharsets.UTF_8));
    keyboard.flush();
    seen.write(in.readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = seen.toString(StandardCharsets.UTF_8);
    assertThat(out).as("the passphrase unlocked the keys, then the file was judged")
        .contains("\"reason\":\"TRUNCATED\"").doesNotContain("NO_PASSPHRASE").doesNotContain("WRONG_PASSPHRASE");
    assertThat(out).as("the passphrase is never echoed").doesNotContain(Users.passphrase("bob"));
    assertThat(out).as("script(1) reports the pipeline's status, cat's; the document carries the CLI's")
        .contains("\"exit_code\":5");
  }

  /**
   * Round AD: under a non-UTF-8 locale (LANG unset, {@code LC_ALL=C}) the console decoded every non-ASCII character
   * typed as U+FFFD (any passphrase of the same length unlocked keys made so, and the right one typed was refused),
   * and {@code SEALDROP_PASSPHRASE} was decoded the same way. A typed passphrase is read as UTF-8 whatever the locale;
   * a variable the locale could not decode is refused, saying why.
   */
  @Test
  void aNonAsciiPassphraseIsReadAsUtf8UnderANonUtf8Locale() throws Exception {
    String words = "пароль für Schlüssel 鍵";
    Cli carol = new Cli(root.resolve("home-carol-unicode"), words);
    DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
    carol.run("--json", "init", "--server", "127.0.0.1:1", "--cert", pki.certFile("carol").toString(), "--key",
        pki.keyFile("carol").toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cli = String.join(" ", List.of(quote(java), "-XX:TieredStopAtLevel=1", "-cp",
        quote(System.getProperty("java.class.path")), Main.class.getName(), "--home", quote(carol.home().toString()),
        "--json", "open", quote(Users.cutEnvelopeFor(carol, "carol", root).toString()), "-o",
        quote(root.resolve("out-carol.csv").toString())));

    // typed at the terminal, stdout the terminal too (the JVM has a Console, in US-ASCII)
    ProcessBuilder typed = new ProcessBuilder("script", "-qfec", cli, "/dev/null").redirectErrorStream(true);
    typed.environment().remove("SEALDROP_PASSPHRASE");
    typed.environment().remove("LANG");
    typed.environment().put("LC_ALL", "C");
    Process p = typed.start();
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    InputStream in = p.getInputStream();
    awaitPrompt(p, seen);
    p.getOutputStream().write((words + "\r").getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().flush();
    seen.write(in.readAllBytes());
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(seen.toString(StandardCharsets.UTF_8)).as("the passphrase unlocked the keys, then the file was judged")
        .contains("\"reason\":\"TRUNCATED\"").doesNotContain("WRONG_PASSPHRASE");

    // in the variable: the JVM cannot decode it in this locale; refused as such, not as a wrong passphrase
    ProcessBuilder variable = new ProcessBuilder("script", "-qfec", cli + " < /dev/null", "/dev/null")
        .redirectErrorStream(true);
    variable.environment().put("SEALDROP_PASSPHRASE", words);
    variable.environment().remove("LANG");
    variable.environment().put("LC_ALL", "C");
    Process v = variable.start();
    String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(v.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("\"reason\":\"PASSPHRASE_UNDECODABLE\"").contains("\"exit_code\":7")
        .contains("LC_ALL=C.UTF-8").doesNotContain("WRONG_PASSPHRASE");
  }

  /** Reads what the CLI writes to the terminal into {@code seen} until it asks for the passphrase. */
  private static void awaitPrompt(Process p, ByteArrayOutputStream seen) throws Exception {
    InputStream in = p.getInputStream();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!seen.toString(StandardCharsets.UTF_8).contains("Passphrase for")) {
      assertThat(System.nanoTime()).as("no prompt; output so far: %s", seen).isLessThan(deadline);
      assertThat(p.isAlive() || in.available() > 0).as("the CLI ended without asking: %s", seen).isTrue();
      int n = in.available();
      if (n > 0) {
        seen.write(in.readNBytes(n));
      } else {
        Thread.sleep(20);
      }
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
