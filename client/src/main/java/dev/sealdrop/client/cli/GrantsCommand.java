package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.RevokeGrantRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sealdrop grants}: the grants you created; {@code grants revoke ID}. */
@Command(name = GrantsCommand.NAME, mixinStandardHelpOptions = true,
    description = "List the grants you created, with their state.",
    subcommands = GrantsCommand.Revoke.class,
    footer = {"  sealdrop grants", "  sealdrop grants --json", "  sealdrop grants revoke g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67"})
final class GrantsCommand extends SealdropSubcommand implements Sealdrop.Listing {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "grants";

  @Override
  void run(Session session) throws Exception {
    List<Grant> grants = OwnListings.grants(session);
    session.output().emitReport(GrantView.list(grants, true));
  }

  /** {@code grants revoke GRANT_ID}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke one of your grants; a download in progress is cut.",
      footer = "  sealdrop grants revoke g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67")
  static final class Revoke extends SealdropSubcommand {
    @Parameters(index = "0", converter = EmptyArgument.Text.class, paramLabel = "GRANT_ID", description = "The grant (see `sealdrop grants`).")
    String grantId;

    @Override
    void run(Session session) throws Exception {
      String id = GrantIds.require(grantId, "`sealdrop grants` (the grants you created)",
          "a file id is taken by `sealdrop grant FILE_ID --to IDENTITY`; to stop sharing a file, revoke each of its"
              + " grants");
      var resp = ServerConnection.call(GrpcFailures.Op.REVOKE_GRANT, () -> session.connect().transfer()
          .revokeGrant(RevokeGrantRequest.newBuilder().setGrantId(id).build()));
      Grant g = resp.getGrant();
      boolean already = resp.getAlreadyRevoked();
      session.output().emit(new Result() {
        @Override
        public void writeJson(JsonGenerator json) throws IOException {
          json.writeStartObject();
          json.writeBooleanField("ok", true);
          json.writeFieldName("grant");
          GrantView.writeJson(json, g);
          json.writeBooleanField("already_revoked", already);
          json.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          out.println((already ? "Grant " + TerminalText.clean(g.getGrantId()) + " was already revoked (to "
              : "Revoked grant " + TerminalText.clean(g.getGrantId()) + " (to ")
              + TerminalText.clean(g.getRecipient()) + "); state: " + GrantView.state(g.getState())
              + (already ? "; nothing changed" : ""));
        }
      });
    }
  }
}
