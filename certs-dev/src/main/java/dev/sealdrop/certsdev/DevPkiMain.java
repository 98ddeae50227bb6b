package dev.sealdrop.certsdev;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * {@code DevPkiMain [--out DIR] [--force]}: writes the development PKI and prints what it wrote.
 * Exit codes: 0 done, 1 the PKI could not be written, 2 usage error.
 */
public final class DevPkiMain {

  static final String DEFAULT_OUT = "certs-dev/out";
  /**
   * The default {@code --out} when set: certs-dev's pom sets it to the module's {@code out/}, so
   * that {@code mvn exec:java} writes into the git-ignored {@code certs-dev/out/} from any directory.
   */
  static final String OUT_PROPERTY = "sealdrop.certsdev.out";
  static final String USAGE = String.join(System.lineSeparator(),
      "Usage: DevPkiMain [--out DIR] [--force] [--help]",
      "Writes sealdrop's DEVELOPMENT PKI: a CA, a localhost server certificate, the users",
      String.join(", ", DevPki.USERS) + " (mallory from a foreign CA), as PEM (keys PKCS#8) and PKCS#12.",
      "",
      "  --out DIR   where to write (default: certs-dev/out of this repository when run through Maven,",
      "              else " + DEFAULT_OUT + " relative to the current directory)",
      "  --force     replace everything, CAs included (default: keep an existing CA, add what is missing)",
      "  --help      show this help",
      "",
      "PKCS#12 password: " + DevPki.P12_PASSWORD + "    Exit codes: 0 ok, 1 failed, 2 usage error",
      "",
      "Example:",
      "  mvn -B -q -pl certs-dev compile exec:java -Dexec.args=\"--out /tmp/pki\"");

  private DevPkiMain() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the command; returns the exit code. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the output directory is chosen by the local operator on the command line")
  static int run(String[] args, PrintStream out, PrintStream err) {
    String outDir = System.getProperty(OUT_PROPERTY, "").isEmpty() ? DEFAULT_OUT : System.getProperty(OUT_PROPERTY);
    boolean force = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        out.println(USAGE);
        return 0;
      } else if (arg.equals("--force")) {
        force = true;
      } else if (arg.equals("--out") && i + 1 < args.length && !args[i + 1].isEmpty()) {
        outDir = args[++i];
      } else if (arg.startsWith("--out=") && arg.length() > "--out=".length()) {
        outDir = arg.substring("--out=".length());
      } else {
        // an empty --out ("$UNSET_VARIABLE") would mean the current directory: refused like a missing one
        boolean noDir = arg.equals("--out") || arg.equals("--out=");
        err.println("certs-dev: error: " + (noDir ? "--out needs a directory" : "unknown argument '" + arg + "'"));
        err.println(USAGE);
        return 2;
      }
    }
    Path dir = Paths.get(outDir);
    try {
      DevPki pki = DevPki.create(dir, force);
      pki.report().forEach(out::println);
      out.println("development PKI ready in " + pki.dir() + " (DEVELOPMENT ONLY: never trust ca.crt in production)");
      return 0;
    } catch (IllegalStateException | UncheckedIOException e) {
      // DevPki's messages start with "certs-dev: " (the server prints them too): not twice here
      err.println("certs-dev: error: " + String.valueOf(e.getMessage()).replaceFirst("^certs-dev: ", ""));
      if (e instanceof UncheckedIOException) {
        err.println("certs-dev: hint: fix that, or write the PKI into a directory you may create and write: --out DIR");
      }
      return 1;
    }
  }
}
