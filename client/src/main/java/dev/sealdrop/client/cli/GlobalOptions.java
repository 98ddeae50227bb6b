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

  @Option(names = "--json", description = "Print exactly one JSON document on stdout (for scripts).")
  void setJson(boolean value) {
    if (value) {
      root().json = true;
    }
  }

  @Option(names = "--verbose", description = "Explain more, and print stack traces of errors.")
  void setVerbose(boolean value) {
    if (value) {
      root().verbose = true;
    }
  }

  @Option(names = "--home", paramLabel = "DIR",
      description = "Profile folder (default: $SEALDROP_HOME, else ~/.sealdrop).")
  void setHome(Path value) {
    if (value != null && value.toString().isBlank()) {
      // Path.of("") is the current folder: `--home "$UNSET"` would make it a profile (and chmod it 0700)
      throw new CommandLine.ParameterException(mixee.commandLine(), "--home is empty; name the profile folder, e.g. "
          + "--home ~/.sealdrop-alice, or leave --home out for $SEALDROP_HOME, else ~/.sealdrop");
    }
    if (value != null) {
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

  public boolean verbose() {
    return verbose;
  }

  public Path home() {
    return home;
  }
}
