package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.GlobalOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands ({@code admin}, {@code admin identities}, ...): run bare, it is a usage error. */
abstract class CommandGroup implements Callable<Integer> {
  @Mixin
  GlobalOptions globals;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command, e.g. `"
        + spec.qualifiedName(" ") + " " + spec.subcommands().keySet().stream().filter(n -> !n.equals("help"))
            .findFirst().orElse("--help") + "`");
  }
}
