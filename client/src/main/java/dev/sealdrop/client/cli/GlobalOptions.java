package dev.sealdrop.client.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --json}, {@code --verbose}, {@code --home}: accepted by every command, before or after
 * the subcommand name. Whichever command parses them, the values land in the root command's
 * instance (picocli's MIXEE pattern), which is the only one read.
 */
public final class GlobalOptions {
  @Spec(Spec.Target.MIXEE)
  private CommandSpec mixee;

  boolean json;
  boolean verbose;
  Path home;

  // boolean[]: picocli refuses a repeated single-valued option ("should be specified only once"), and a flag that
  // says the same thing twice (a wrapper script adding --json to a command line that has it) is harmless

  @Option(names = "--json", description = "Print exactly one JSON document on stdout (for scripts).")
  void setJson(boolean[] values) {
    if (given(values)) {
      root().json = true;
    }
  }

  @Option(names = "--verbose", description = "Explain more, and print stack traces of errors.")
  void setVerbose(boolean[] values) {
    if (given(values)) {
      root().verbose = true;
    }
  }

  private static boolean given(boolean[] values) {
    if (values == null) {
      return false;
    }
    for (boolean v : values) {
      if (v) {
        return true;
      }
    }
    return false;
  }

  @Option(names = "--home", paramLabel = "DIR",
      description = "Profile folder (default: $SEALDROP_HOME, else ~/.sealdrop).")
  void setHome(Path value) {
    // an empty value never gets here: it is EMPTY_ARGUMENT (EmptyArgument), not the current folder
    if (value != null) {
      Path before = root().home;
      // picocli refuses it twice at one level only (round U: `--home A inbox --home B` ran as B, silently)
      if (before != null && !before.equals(value)) {
        throw new CommandLine.ParameterException(mixee.commandLine(), "--home given twice, as " + before + " and "
            + value + ": give it once, before or after the command");
      }
      root().home = value;
    }
  }

  private GlobalOptions root() {
    Object top = mixee.root().userObject();
    return top instanceof SealdropCommand s ? s.globals() : this;
  }

  public boolean json() {
    return json;
  }

  /**
   * Whether the raw arguments ask for {@code --json} (anywhere before a {@code --}), for the time
   * before picocli has parsed them: a signal in a cold JVM's first second still gets its document.
   */
  static boolean requestedIn(String... args) {
    for (String a : args) {
      if ("--".equals(a)) {
        return false;
      }
      if ("--json".equals(a)) {
        return true;
      }
    }
    return false;
  }

  public boolean verbose() {
    return verbose;
  }

  public Path home() {
    return home;
  }
}
