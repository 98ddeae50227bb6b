package dev.sealdrop.client.cli;

/** {@code java -jar sealdrop.jar ...}: runs the CLI and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // --json promises one document whatever happens: a SIGTERM (or Ctrl-C) before the command has
    // printed its result or error still prints one, an "interrupted" error; the JVM's exit status stays
    // 128 + signal, and the document says which (StopSignals). Installed first: picocli's model alone takes
    // about a second of a cold JVM.
    SealdropCommand top = new SealdropCommand(CliEnvironment.system());
    top.writesToSystemOut();
    boolean jsonInArguments = GlobalOptions.requestedIn(args);
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> top.outputOnSignal(jsonInArguments).interrupted(StopSignals.exitStatus()), "sealdrop-interrupted"));
    StopSignals.watch(); // after the hook: a signal in between would start a shutdown without it
    NettyDefaults.apply(System.getProperties()); // before Netty loads
    CliLogging.routeJavaUtilLogging();
    CompilerBudget.applyInBackground();
    picocli.CommandLine cl = Sealdrop.commandLine(top, args);
    int code;
    try {
      code = cl.execute(args);
    } catch (Error e) {
      // picocli hands only Exceptions to the ErrorReporter; an Error (out of memory, a stack overflow)
      // would end the JVM with its stack trace and the shutdown hook's "interrupted by a signal" document
      code = ErrorReporter.reportFatal(e, cl);
    }
    top.output().finish();
    if (code == ExitCodes.OK.code() && System.out.checkError()
        && !dev.sealdrop.client.cli.output.StandardOutput.isPipe()) {
      // what picocli printed itself (help and version text, without --json) is not a result the output checks: a
      // success whose text went nowhere is no success (round AN: `--help > /dev/full` exited 0); text that a pipe's
      // reader stopped reading (`--help | head`), like a listing's (Output.emitReport), was not lost
      System.err.println("sealdrop: error: the output could not be written to standard output (a full disk, or a"
          + " closed pipe or file behind it)");
      System.err.flush();
      code = ExitCodes.USAGE.code();
    }
    System.exit(code);
  }
}
