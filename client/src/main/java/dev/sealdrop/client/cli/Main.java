package dev.sealdrop.client.cli;

/** {@code java -jar sealdrop.jar ...}: runs the CLI and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    CompilerBudget.applyInBackground();
    int code = Sealdrop.commandLine(CliEnvironment.system()).execute(args);
    System.exit(code);
  }
}
