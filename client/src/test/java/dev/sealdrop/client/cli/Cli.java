package dev.sealdrop.client.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs {@code sealdrop} in-process for one user: their own {@code --home} folder and passphrase
 * (via {@code SEALDROP_PASSPHRASE} in the test environment), no terminal.
 */
public final class Cli {
  private final Path home;
  private final Map<String, String> env = new HashMap<>();

  Cli(Path home, String passphrase) {
    this.home = home;
    if (passphrase != null) {
      env.put("SEALDROP_PASSPHRASE", passphrase);
    }
  }

  Path home() {
    return home;
  }

  /** Runs with {@code --home HOME} prepended. */
  CliRun run(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return raw(env, all);
  }

  /** Runs with a different passphrase (or none, if null). */
  CliRun withPassphrase(String passphrase, String... args) {
    Map<String, String> e = new HashMap<>(env);
    e.remove("SEALDROP_PASSPHRASE");
    if (passphrase != null) {
      e.put("SEALDROP_PASSPHRASE", passphrase);
    }
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return raw(e, all);
  }

  /** Runs with {@code --home HOME} prepended, the CLI's clock (certificate and bundle validity) at {@code clock}. */
  CliRun at(java.time.Clock clock, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    CliEnvironment e = CliEnvironment.forTest(env, Path.of(System.getProperty("java.io.tmpdir")));
    return run(new CliEnvironment(e.variables(), e.userHome(), clock, e.terminal(), e.prompt(), e.progressStream()),
        all);
  }

  public static CliRun raw(Map<String, String> env, String... args) {
    return run(CliEnvironment.forTest(env, Path.of(System.getProperty("java.io.tmpdir"))), args);
  }

  /** A run in {@code environment} (its variables and the account's home folder), without a profile's passphrase. */
  static CliRun raw(CliEnvironment environment, String... args) {
    return run(environment, args);
  }

  private static CliRun run(CliEnvironment environment, String... args) {
    CommandLine cl = Sealdrop.commandLine(environment, args); // as Main builds it
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
