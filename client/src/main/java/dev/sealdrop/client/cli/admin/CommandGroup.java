package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.WithGlobalOptions;
import picocli.CommandLine;

/** A command that only groups subcommands ({@code admin}, {@code admin identities}, ...): run bare, it is a usage error. */
abstract class CommandGroup extends WithGlobalOptions {
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command, e.g. `"
        + spec.qualifiedName(" ") + " " + spec.subcommands().keySet().stream().filter(n -> !n.equals("help"))
            .findFirst().orElse("--help") + "`");
  }
}
