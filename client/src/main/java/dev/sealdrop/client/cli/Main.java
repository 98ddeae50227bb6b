package dev.sealdrop.client.cli;

/** {@code java -jar sealdrop.jar ...}: runs the CLI and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Netty's JFR events (buffer-pool telemetry) load ~100 JDK Flight Recorder classes at start; a CLI never uses them
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    CompilerBudget.applyInBackground();
    int code = Sealdrop.commandLine(CliEnvironment.system()).execute(args);
    System.exit(code);
  }
}
