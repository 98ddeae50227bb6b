package dev.sealdrop.client.cli;

import dev.sealdrop.client.keystore.PassphrasePrompt;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the CLI takes from its surroundings, so tests can run it in-process with their own
 * environment variables, clock and (absent) terminal.
 *
 * @param variables environment variables ({@code SEALDROP_HOME}, {@code SEALDROP_PASSPHRASE})
 * @param userHome the user's home folder (for the default profile)
 * @param clock the time for certificate and bundle validity checks
 * @param terminal whether stdout and stderr are a terminal (progress bars only then)
 * @param prompt how to ask for a passphrase
 * @param progressStream where progress bars are drawn
 */
public record CliEnvironment(Map<String, String> variables, Path userHome, Clock clock, boolean terminal,
    PassphrasePrompt prompt, PrintStream progressStream) {
  public CliEnvironment {
    variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
    Objects.requireNonNull(userHome, "userHome");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(progressStream, "progressStream");
  }

  /** The real process environment. */
  public static CliEnvironment system() {
    boolean terminal = System.console() != null;
    return new CliEnvironment(System.getenv(), Path.of(System.getProperty("user.home")), Clock.systemUTC(), terminal,
        PassphrasePrompt.console(), System.err);
  }

  /** For tests: the given variables, no terminal, no prompt, progress discarded. */
  public static CliEnvironment forTest(Map<String, String> variables, Path userHome) {
    return new CliEnvironment(variables, userHome, Clock.systemUTC(), false, PassphrasePrompt.none(),
        new PrintStream(java.io.OutputStream.nullOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8));
  }
}
