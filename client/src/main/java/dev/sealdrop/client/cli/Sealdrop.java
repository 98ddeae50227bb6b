package dev.sealdrop.client.cli;

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
    decorate(cl);
    return cl;
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
