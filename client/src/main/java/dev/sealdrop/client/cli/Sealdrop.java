package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Builds the configured {@code sealdrop} command line: handlers, exit codes, help sections. */
public final class Sealdrop {
  private Sealdrop() {}

  public static CommandLine commandLine(CliEnvironment environment) {
    CommandLine cl = new CommandLine(new SealdropCommand(environment));
    ErrorReporter reporter = new ErrorReporter();
    cl.setExecutionExceptionHandler(reporter);
    cl.setParameterExceptionHandler(reporter);
    cl.setExitCodeExceptionMapper(new ExitCodeMapper());
    cl.setUsageHelpAutoWidth(true);
    cl.setExecutionStrategy(Sealdrop::execute);
    decorate(cl);
    return cl;
  }

  /**
   * picocli's own strategy, except that {@code --help}, {@code --version} and the {@code help}
   * command under {@code --json} print one JSON document too ({@code {"ok":true,"usage":TEXT}} or
   * {@code "version"}), so that a script's stdout is always JSON; and that {@code help NAME} for an
   * unknown NAME is a usage error with its own reason, {@code UNKNOWN_COMMAND}.
   */
  private static int execute(CommandLine.ParseResult parsed) {
    CommandLine root = parsed.commandSpec().commandLine();
    if (root.getCommand() instanceof SealdropCommand top) {
      CommandLine.ParseResult help = helpCommand(parsed);
      if (help != null) {
        // picocli's help command ignores the options after it, so a --json there was never parsed
        ErrorReporter.honourGlobalFlags(top.globals(), parsed.originalArgs().toArray(String[]::new));
      }
      if (top.globals().json()) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
          CommandLine cmd = p.commandSpec().commandLine();
          if (p.isUsageHelpRequested()) {
            top.output().emit(new HelpText("usage", cmd.getUsageMessage(CommandLine.Help.Ansi.OFF)));
            return ExitCodes.OK.code();
          }
          if (p.isVersionHelpRequested()) {
            top.output().emit(new HelpText("version", String.join("\n", versions(cmd))));
            return ExitCodes.OK.code();
          }
        }
      }
      if (help != null && !help.isUsageHelpRequested()) {
        CommandLine target = helpTarget(help);
        if (top.globals().json()) {
          top.output().emit(new HelpText("usage", target.getUsageMessage(CommandLine.Help.Ansi.OFF)));
          return ExitCodes.OK.code();
        }
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /** The {@code help} command's part of the parse, or null when no {@code help} command was given. */
  private static CommandLine.ParseResult helpCommand(CommandLine.ParseResult parsed) {
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.commandSpec().userObject() instanceof CommandLine.HelpCommand) {
        return p;
      }
    }
    return null;
  }

  /**
   * The command {@code help [NAME]} is about, found as picocli's help command finds it: NAME among
   * the subcommands of the help command's parent, or the parent itself without NAME.
   */
  private static CommandLine helpTarget(CommandLine.ParseResult help) {
    CommandLine parent = help.commandSpec().parent().commandLine();
    String name = help.matchedPositionalValue(0, (String) null);
    if (name == null) {
      return parent;
    }
    CommandLine target = parent.getSubcommands().get(name);
    if (target == null) {
      String where = parent.getCommandSpec().qualifiedName(" ");
      throw new CommandLine.ExecutionException(help.commandSpec().commandLine(), "unknown command",
          new UsageFailure("UNKNOWN_COMMAND", "unknown command '" + name + "'",
              "see `" + where + " --help` for the commands"));
    }
    return target;
  }

  private static String[] versions(CommandLine cmd) {
    CommandLine.IVersionProvider provider = cmd.getCommandSpec().versionProvider();
    if (provider == null) {
      return cmd.getCommandSpec().version();
    }
    try {
      return provider.getVersion();
    } catch (Exception e) { // picocli's own printVersionHelp fails the same way; keep the static text
      return cmd.getCommandSpec().version();
    }
  }

  /** A help or version text as a result: {@code {"ok":true,KIND:TEXT}}, or the text itself. */
  private record HelpText(String kind, String text) implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField(kind, text);
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.print(text);
    }
  }

  /** Every command's help ends with the exit codes, then its {@code Example:} section. */
  private static void decorate(CommandLine cl) {
    CommandLine.Model.UsageMessageSpec u = cl.getCommandSpec().usageMessage();
    u.exitCodeListHeading("%nExit codes:%n");
    u.exitCodeList(ExitCodes.helpList());
    if (u.footer().length > 0) {
      u.footerHeading("%nExample:%n");
    }
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == cl.getCommandSpec()) {
        decorate(sub);
      }
    }
  }
}
