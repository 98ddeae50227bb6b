package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.GrantIds;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.Pages;
import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.RevokeAnyGrantRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop admin grants list|revoke}: every owner's grants (never their tokens). */
@Command(name = "grants", mixinStandardHelpOptions = true,
    description = "List or revoke any grant (tokens are never shown: the server keeps only their hashes).",
    subcommands = {AdminGrantsCommand.ListGrants.class, AdminGrantsCommand.Revoke.class},
    footer = {"  sealdrop admin grants list --recipient bob --state active",
        "  sealdrop admin grants revoke g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67 \\",
        "      --reason 'deal fell through'"})
final class AdminGrantsCommand extends CommandGroup {

  static GrantState parseState(String text) throws UsageFailure {
    String t = text.trim().toUpperCase(Locale.ROOT);
    for (GrantState s : GrantState.values()) {
      if (s != GrantState.UNRECOGNIZED && s != GrantState.GRANT_STATE_UNSPECIFIED
          && s.name().equals("GRANT_STATE_" + t)) {
        return s;
      }
    }
    throw new UsageFailure("BAD_STATE", "\"" + text + "\" is not a grant state",
        "use active, claimed, consumed, revoked or expired");
  }

  /** {@code grants list [--state S] [--owner O] [--recipient R]}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Grants of every owner, newest first.",
      footer = {"  sealdrop admin grants list", "  sealdrop admin grants list --owner alice --state active --json"})
  static final class ListGrants extends AdminSubcommand {
    @Option(names = "--state", paramLabel = "STATE",
        description = "Only grants in this state: active, claimed, consumed, revoked or expired.")
    String state;

    @Option(names = "--owner", paramLabel = "IDENTITY", description = "Only grants created by this identity.")
    String owner;

    @Option(names = "--recipient", paramLabel = "IDENTITY", description = "Only grants addressed to this identity.")
    String recipient;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      // an empty --owner or --recipient ("$UNSET" in a script) names nobody: the server took it as no filter and
      // listed every grant, which a script revoking "the grants of $WHO" would have revoked all of (round CP)
      String owner = identity("--owner", this.owner,
          "`--owner alice`, or leave --owner out to list every owner's grants");
      String recipient = identity("--recipient", this.recipient,
          "`--recipient bob`, or leave --recipient out to list every recipient's grants");
      ListAllGrantsRequest.Builder req = ListAllGrantsRequest.newBuilder();
      if (state != null) {
        req.setState(parseState(state));
      }
      if (owner != null) {
        req.setOwner(owner);
      }
      if (recipient != null) {
        req.setRecipient(recipient);
      }
      List<AdminGrant> grants = Pages.all(token -> admin.call(GrpcFailures.Op.LIST, () -> {
        var page = admin.stub().listAllGrants(req.setPageToken(token).build());
        return new Pages.Page<>(page.getGrantsList(), page.getNextPageToken());
      }));
      output.emitReport(new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeArrayFieldStart("grants");
          for (AdminGrant x : grants) {
            AdminViews.grant(g, x);
          }
          g.writeEndArray();
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          if (grants.isEmpty()) {
            out.println("(none)");
            return;
          }
          AdminViews.grantHeader(out);
          grants.forEach(x -> AdminViews.grantLine(out, x));
        }
      });
    }
  }

  /** {@code grants revoke GRANT_ID}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke any grant; a download of it that is streaming is cut.",
      footer = {"  sealdrop admin grants revoke g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67 \\",
        "      --reason 'deal fell through'"})
  static final class Revoke extends AdminSubcommand {
    @Parameters(index = "0", converter = dev.sealdrop.client.cli.EmptyArgument.Text.class, paramLabel = "GRANT_ID", description = "The grant (see `sealdrop admin grants list`).")
    String grantId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String id = GrantIds.require(grantId, "`sealdrop admin grants list`",
          "a file id is taken by `sealdrop admin files purge FILE_ID`, which deletes the file and every grant on it");
      String why = IdentitiesCommand.reason(reason);
      var resp = admin.call(GrpcFailures.Op.ADMIN_REVOKE_GRANT, () -> admin.stub()
          .revokeAnyGrant(RevokeAnyGrantRequest.newBuilder().setGrantId(id).setReason(why).build()));
      AdminGrant x = resp.getGrant();
      output.emit(new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeFieldName("grant");
          AdminViews.grant(g, x);
          g.writeNumberField("downloads_cut", resp.getDownloadsCut());
          g.writeBooleanField("already_revoked", resp.getAlreadyRevoked());
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          out.println((resp.getAlreadyRevoked() ? "Grant " + TerminalText.clean(x.getGrantId()) + " was already revoked ("
              : "Revoked grant " + TerminalText.clean(x.getGrantId()) + " (") + TerminalText.clean(x.getOwner())
              + " to " + TerminalText.clean(x.getRecipient()) + "); state: " + AdminViews.state(x.getState())
              + (resp.getAlreadyRevoked() ? "; nothing changed" : "; downloads cut: " + resp.getDownloadsCut()));
        }
      });
    }
  }
}
