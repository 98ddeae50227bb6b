package dev.sealdrop.client.cli.admin;

import picocli.CommandLine.Command;

/** {@code sealdrop admin}: operations on the server's admin listener (admin role only). */
@Command(name = AdminCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Administer the server through its admin listener (the profile's --admin-server).",
        "Only identities with the admin role may; everyone else gets exit code 6. Every action is audited."},
    subcommands = {IdentitiesCommand.class, AdminGrantsCommand.class, LockdownCommand.class, FilesCommand.class,
        AdminAuditCommand.class},
    footer = {"  sealdrop admin identities list", "  sealdrop admin identities revoke bob --reason 'laptop lost'",
        "  sealdrop admin lockdown on --reason 'deal paused'", "  sealdrop admin audit export -o audit.jsonl"})
public final class AdminCommand extends CommandGroup {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  public static final String NAME = "admin";
}
