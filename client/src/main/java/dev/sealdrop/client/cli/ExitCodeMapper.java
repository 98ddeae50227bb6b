package dev.sealdrop.client.cli;

import picocli.CommandLine;

/** picocli's hook for exit codes; delegates to {@link Diagnoser} so there is one table. */
public final class ExitCodeMapper implements CommandLine.IExitCodeExceptionMapper {
  @Override
  public int getExitCode(Throwable exception) {
    return Diagnoser.diagnose(exception).exit().code();
  }
}
