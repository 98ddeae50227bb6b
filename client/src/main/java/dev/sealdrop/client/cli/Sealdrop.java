package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
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
   * picocli's own strategy, except that {@code --help} and {@code --version} under {@code --json}
   * print one JSON document too ({@code {"ok":true,"usage":TEXT}} or {@code "version"}), so that a
   * script's stdout is always JSON.
   */
  private static int execute(CommandLine.ParseResult parsed) {
    CommandLine root = parsed.commandSpec().commandLine();
    if (root.getCommand() instanceof SealdropCommand top && top.globals().json()) {
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
    return new CommandLine.RunLast().execute(parsed);
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
