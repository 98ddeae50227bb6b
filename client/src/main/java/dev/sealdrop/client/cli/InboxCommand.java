package dev.sealdrop.client.cli;

import dev.sealdrop.protocol.v1.Grant;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code sealdrop inbox}: grants addressed to you. */
@Command(name = InboxCommand.NAME, mixinStandardHelpOptions = true,
    description = "List the grants addressed to you, with sender, state, size and expiry.",
    footer = {"  sealdrop inbox", "  sealdrop inbox --json"})
final class InboxCommand extends SealdropSubcommand implements Sealdrop.Listing {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "inbox";

  @Override
  void run(Session session) throws Exception {
    List<Grant> grants = OwnListings.inbox(session);
    session.output().emitReport(GrantView.list(grants, false));
  }
}
