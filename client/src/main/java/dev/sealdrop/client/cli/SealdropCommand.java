package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Output;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command, {@code sealdrop}: holds the global options and the environment. */
@Command(name = "sealdrop", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = {"End-to-end encrypted, one-time file transfer.",
        "Files are sealed on your machine for the recipient's keys; the server only ever holds ciphertext."},
    footer = {
        "  # alice, once: create a profile and publish her keys",
        "  export SEALDROP_HOME=~/.sealdrop-alice",
        "  sealdrop init --server localhost:8443 \\",
        "      --cert alice.crt --key alice.key --ca ca.crt",
        "  sealdrop keys publish",
        "  # send a file to bob (prints a one-time token to give bob)",
        "  sealdrop send clients.csv --to bob --expires 72h",
        "  # bob, with his own profile, as send told alice to pass on:",
        "  sealdrop receive TOKEN --from alice --fingerprint FP -o ~/Downloads"})
public final class SealdropCommand implements Callable<Integer> {
  @Mixin
  private GlobalOptions globals;

  @Spec
  private CommandSpec spec;

  private final CliEnvironment environment;
  private Output output;
  /** The process's System.out when the results go there ({@link Main}); null when run embedded (tests). */
  private java.io.PrintStream systemOut;

  public SealdropCommand(CliEnvironment environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  /** The results go to the process's System.out, whose write errors its PrintStream keeps to itself: checked too. */
  synchronized void writesToSystemOut() {
    systemOut = System.out;
  }

  public GlobalOptions globals() {
    return globals;
  }

  public CliEnvironment environment() {
    return environment;
  }

  /** stdout, created once the options are parsed (so {@code --json} is known). */
  public synchronized Output output() {
    return output(globals != null && globals.json());
  }

  /**
   * The output for the report of a signal that ends the JVM, whenever it comes: before picocli has
   * built its model and parsed the options (about a second of a cold JVM), {@code --json} is what
   * {@code jsonInArguments} says ({@link GlobalOptions#requestedIn}), and the report goes to the
   * process's stdout and stderr. Either way it is the one output of this command, so at most one
   * document is printed.
   */
  public synchronized Output outputOnSignal(boolean jsonInArguments) {
    return output(jsonInArguments || globals != null && globals.json());
  }

  private Output output(boolean json) {
    if (output == null) {
      output = spec != null ? new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), json, systemOut)
          : new Output(new PrintWriter(System.out, true, Charset.defaultCharset()),
              new PrintWriter(System.err, true, Charset.defaultCharset()), json, System.out);
    }
    return output;
  }

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command, e.g. `sealdrop send`");
  }
}
