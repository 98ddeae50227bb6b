package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.ErrorResult;
import dev.sealdrop.client.cli.output.TerminalText;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Reports every failure in one voice on stderr, {@code sealdrop: error: WHAT} then
 * {@code sealdrop: hint: WHAT TO DO}, plus the JSON error document on stdout under
 * {@code --json}. Stack traces only with {@code --verbose}.
 */
public final class ErrorReporter implements CommandLine.IExecutionExceptionHandler,
    CommandLine.IParameterExceptionHandler {

  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
    return report(ex, cmd);
  }

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    SealdropCommand root = root(cmd);
    if (root != null) {
      honourGlobalFlags(root.globals(), args);
    }
    int code = report(ex, cmd);
    String name = cmd.getCommandSpec().qualifiedName(" ");
    cmd.getErr().println("sealdrop: hint: see `" + name + " --help`");
    cmd.getErr().flush();
    return code;
  }

  private static int report(Throwable ex, CommandLine cmd) {
    SealdropCommand root = root(cmd);
    Diagnosis d = Diagnoser.diagnose(ex);
    int exit = cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(ex)
        : d.exit().code();
    PrintWriter err = cmd.getErr();
    err.println("sealdrop: error: " + TerminalText.clean(d.message()));
    d.hint().ifPresent(h -> err.println("sealdrop: hint: " + TerminalText.clean(h)));
    if (root != null && root.globals().verbose()) {
      ex.printStackTrace(err);
    } else if (d.exit() == ExitCodes.INTERNAL) {
      err.println("sealdrop: hint: add --verbose to see where it failed");
    }
    err.flush();
    if (root != null) {
      root.output().emitError(new ErrorResult(exit, d.exit().kind(), d.reason(), d.message(), d.hint()));
    }
    return exit;
  }

  /**
   * picocli stops at the first bad option value, so {@code --json} or {@code --verbose} further
   * right were never parsed; they are global flags (accepted anywhere before {@code --}), and the
   * error report must honour them too: a script that asked for JSON gets its JSON error document.
   * The {@code help} command ignores whatever follows it, so {@link Sealdrop} honours them there too.
   */
  static void honourGlobalFlags(GlobalOptions globals, String[] args) {
    for (String a : args) {
      if (a.equals("--")) {
        return;
      }
      if (a.equals("--json")) {
        globals.json = true;
      } else if (a.equals("--verbose")) {
        globals.verbose = true;
      }
    }
  }

  private static SealdropCommand root(CommandLine cmd) {
    CommandLine c = cmd;
    while (c.getParent() != null) {
      c = c.getParent();
    }
    return c.getCommand() instanceof SealdropCommand s ? s : null;
  }
}
