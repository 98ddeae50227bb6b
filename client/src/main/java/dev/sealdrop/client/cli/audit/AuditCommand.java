package dev.sealdrop.client.cli.audit;

import dev.sealdrop.client.cli.WithGlobalOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sealdrop audit}: offline work on audit exports. */
@Command(name = AuditCommand.NAME, mixinStandardHelpOptions = true,
    description = "Verify an audit export offline (no profile, no server needed).",
    subcommands = AuditVerifyCommand.class,
    footer = {"  sealdrop audit verify audit.jsonl --key \"$(cat audit-key.txt)\" \\",
        "      --checkpoints ~/.sealdrop/checkpoints"})
public final class AuditCommand extends WithGlobalOptions {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  public static final String NAME = "audit";

  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command, e.g. `sealdrop audit verify FILE`");
  }
}
