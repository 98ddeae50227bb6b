package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.protocol.v1.GetLockdownRequest;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.SetLockdownRequest;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sealdrop admin lockdown on|off|status}: the emergency switch. */
@Command(name = "lockdown", mixinStandardHelpOptions = true,
    description = {"The emergency switch: while on, every upload, grant creation, redeem and download is refused "
        + "(admins can still act). It survives a restart."},
    subcommands = {LockdownCommand.On.class, LockdownCommand.Off.class, LockdownCommand.Status.class},
    footer = {"  sealdrop admin lockdown on --reason 'possible leak, investigating'", "  sealdrop admin lockdown status",
        "  sealdrop admin lockdown off"})
final class LockdownCommand extends CommandGroup {

  static Result state(LockdownState l) {
    return new Result() {
      @Override
      public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", true);
        g.writeFieldName("lockdown");
        AdminViews.lockdown(g, l);
        if (l.hasReplaced()) {
          g.writeFieldName("replaced");
          AdminViews.lockdown(g, l.getReplaced());
        }
        if (l.hasTransfersCut()) {
          g.writeNumberField("transfers_cut", l.getTransfersCut());
        }
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter out) {
        if (l.hasReplaced() && l.getOn()) {
          // turning it on again is allowed (to give a new reason), but must not silently erase who set it and why
          LockdownState was = l.getReplaced();
          out.println("lockdown was already on since " + AdminViews.time(was.getChangedAtMillis()) + " by "
              + TerminalText.clean(was.getChangedBy()) + " (reason: " + TerminalText.clean(was.getReason())
              + "); its reason is now: " + TerminalText.clean(l.getReason()));
        } else if (l.hasReplaced()) {
          // off again changes nothing for transfers; say so rather than answer as if it had lifted a lockdown
          LockdownState was = l.getReplaced();
          out.println("lockdown was already off" + (was.getChangedAtMillis() == 0 ? " (it has never been on)"
              : " since " + AdminViews.time(was.getChangedAtMillis()) + " (lifted by "
                  + TerminalText.clean(was.getChangedBy()) + ")") + "; transfers were not refused");
        }
        AdminViews.lockdownHuman(out, l);
        if (l.hasTransfersCut()) {
          // as disable, revoke and purge say what they cut (round CP: only the server's log said it)
          // round CZ: "the same commands resume them" was not true of the SFTP door's (docs/sftp.md)
          out.println(l.getTransfersCut() + " transfer(s) in progress cut (sealdrop's send and receive resume them"
              + " once the lockdown is lifted; an SFTP upload cut so is deleted, and an SFTP get starts over)");
        }
      }
    };
  }

  /** {@code lockdown on --reason TEXT}. */
  @Command(name = "on", mixinStandardHelpOptions = true, description = "Lock the server down, with a reason.",
      footer = "  sealdrop admin lockdown on --reason 'possible leak, investigating'")
  static final class On extends AdminSubcommand {
    @Option(names = "--reason", required = true, paramLabel = "TEXT",
        description = "Why (required; audited and shown to admins; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String why = IdentitiesCommand.reason(reason).strip();
      if (why.isEmpty()) {
        throw new UsageFailure("REASON_REQUIRED", "a lockdown needs a reason", "say why, e.g. --reason 'laptop lost'");
      }
      LockdownState l = admin.call(GrpcFailures.Op.GENERIC,
          () -> admin.stub().setLockdown(SetLockdownRequest.newBuilder().setOn(true).setReason(why).build()));
      output.emit(state(l));
    }
  }

  /** {@code lockdown off}. */
  @Command(name = "off", mixinStandardHelpOptions = true, description = "Lift the lockdown: service resumes.",
      footer = "  sealdrop admin lockdown off")
  static final class Off extends AdminSubcommand {
    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String why = IdentitiesCommand.reason(reason);
      LockdownState l = admin.call(GrpcFailures.Op.GENERIC,
          () -> admin.stub().setLockdown(SetLockdownRequest.newBuilder().setOn(false).setReason(why).build()));
      output.emit(state(l));
    }
  }

  /** {@code lockdown status}. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "Whether the server is locked down, "
      + "since when, by whom and why.", footer = "  sealdrop admin lockdown status --json")
  static final class Status extends AdminSubcommand {
    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      output.emitReport(state(admin.call(GrpcFailures.Op.GENERIC,
          () -> admin.stub().getLockdown(GetLockdownRequest.getDefaultInstance()))));
    }
  }
}
