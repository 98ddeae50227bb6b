package dev.sealdrop.client.cli;

import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.ListInboxRequest;
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
    List<Grant> grants = ServerConnection.call(GrpcFailures.Op.LIST,
        () -> session.connect().transfer().listInbox(ListInboxRequest.getDefaultInstance())).getGrantsList();
    session.output().emitReport(GrantView.list(grants, false));
  }
}
