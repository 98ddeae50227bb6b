package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.ErrorResult;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.PrintWriter;
import java.util.Optional;
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
    return report(ex, cmd, null, notRepeated(parseResult == null ? new String[0]
        : parseResult.originalArgs().toArray(String[]::new)));
  }

  /**
   * The values given to {@code --passphrase-file} ({@code --passphrase-file=V} or {@code --passphrase-file V}, before
   * {@code --}): a passphrase typed in place of its file's name would otherwise be repeated wherever a refusal quotes
   * the word (the option given twice, before the command's name, to a command without it, a name this locale cannot
   * encode; review CD), on stderr, in {@code --json} and in {@code --verbose}'s trace.
   */
  static java.util.List<String> notRepeated(String[] args) {
    java.util.List<String> values = new java.util.ArrayList<>();
    for (int i = 0; i < args.length && !args[i].equals("--"); i++) {
      if (args[i].equals(PASSPHRASE_FILE) && i + 1 < args.length && !args[i + 1].isEmpty()) {
        values.add(args[i + 1]);
      } else if (args[i].startsWith(PASSPHRASE_FILE + "=") && args[i].length() > PASSPHRASE_FILE.length() + 1) {
        values.add(args[i].substring(PASSPHRASE_FILE.length() + 1));
      }
    }
    // a file's name is shown (its refusals name it: "... is not UTF-8 text"), and so are words too short to be a
    // passphrase, which would be cut out of other words; the longest first, so that none is left half shown
    values.removeIf(v -> v.length() < 4 || exists(v));
    values.sort(java.util.Comparator.comparingInt(String::length).reversed());
    return values;
  }

  private static final String PASSPHRASE_FILE = "--passphrase-file";

  @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
      justification = "only whether the user's own argument names a file")
  private static boolean exists(String name) {
    try {
      return java.nio.file.Files.exists(java.nio.file.Path.of(name), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (RuntimeException notAPath) {
      return false;
    }
  }

  /** {@code text} with each of {@code values} replaced by a note that it is not repeated. */
  static String withoutValues(String text, java.util.List<String> values) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String v : values) {
      out = out.replace(v, "(the value of --passphrase-file, not repeated)");
    }
    return out;
  }

  /**
   * A parse error: an unknown word where a subcommand belongs is {@code UNKNOWN_COMMAND}, anything
   * else picocli's {@code USAGE}; either way the hint (the command's help) is on stderr and in the
   * JSON error document alike.
   */
  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    SealdropCommand root = root(cmd);
    if (root != null) {
      honourGlobalFlags(root.globals(), args);
    }
    Throwable failure = Sealdrop.passphraseOnCommandLine(ex);
    if (failure == null) {
      failure = Sealdrop.unknownCommand(ex);
    }
    if (failure == null) {
      failure = Sealdrop.unexpectedArgument(ex, args);
    }
    if (failure == null) {
      failure = Sealdrop.repeatedRecipient(ex);
    }
    if (failure == null) {
      failure = Sealdrop.optionTwice(ex, args);
    }
    if (failure == null) {
      failure = Sealdrop.optionAfterDoubleDash(ex, args);
    }
    if (failure == null) {
      failure = Sealdrop.unknownOptionForParameter(ex);
    }
    if (failure == null) {
      failure = Sealdrop.missingOptionWithSpareWord(ex);
    }
    if (failure == null) {
      failure = Sealdrop.unknownOption(ex, args);
    }
    if (failure == null) {
      failure = Sealdrop.dashedOptionValue(ex);
    }
    if (failure == null) {
      failure = Sealdrop.lastWordOption(ex);
    }
    if (failure == null) {
      failure = Sealdrop.missingRequiredOptions(ex);
    }
    if (failure == null && ex.getCause() instanceof EmptyArgument.Refused) {
      failure = EmptyArgument.of(ex);
    }
    if (failure == null && ex.getCause() instanceof UsageFailure refused) {
      failure = refused; // a converter's own refusal (--expires: BAD_EXPIRES), with its reason and hint
    }
    if (failure == null && ex.getCause() instanceof EmptyArgument.Unencodable unencodable) {
      failure = unencodable.failure;
    }
    return report(failure != null ? failure : ex, cmd, "see `" + cmd.getCommandSpec().qualifiedName(" ") + " --help`",
        notRepeated(args));
  }

  /** Reports an {@link Error} that escaped the command (picocli passes only Exceptions to the handler). */
  static int reportFatal(Error e, CommandLine cmd) {
    return report(e, cmd, null, java.util.List.of());
  }

  /** A grant token or claim id ({@code sdg_…}, {@code sdc_…}) anywhere in a text, e.g. a path made of one. */
  private static final java.util.regex.Pattern SECRET =
      java.util.regex.Pattern.compile("(?i)(sd[gc]_)[A-Za-z0-9_-]{8,}");

  /**
   * A token's secret part without its prefix: exactly 43 base64url characters standing alone (round BJ: `send SECRET`
   * said "no such file: SECRET"); not after a colon, where an SSH key's SHA-256 fingerprint (43 characters of base64)
   * stands, nor after a '/' (a path's file name: review RS; {@link #REDEEM_SECRET} takes a link's), nor before a
   * base64url character or padding; after '=' or '+' (a link's query: reviews BJ, BK) too.
   */
  private static final java.util.regex.Pattern BARE_SECRET =
      java.util.regex.Pattern.compile("(?<![A-Za-z0-9_:/-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_=-])");

  /**
   * A token's secret as an SFTP path or a link names it, {@code .../redeem/SECRET}: a '/' before a 43-character run is
   * otherwise a path's, whose file or folder name must stay readable (review RS: "no such file: /d/[redacted].sealed").
   */
  private static final java.util.regex.Pattern REDEEM_SECRET =
      java.util.regex.Pattern.compile("(?i)(redeem/)[A-Za-z0-9_-]{43}(?![A-Za-z0-9_=-])");

  /** {@code text} with every grant token or claim id replaced by its prefix and {@code [redacted]}. */
  static String redactSecrets(String text) {
    return text == null ? null : BARE_SECRET.matcher(REDEEM_SECRET.matcher(SECRET.matcher(text)
        .replaceAll("$1[redacted]")).replaceAll("$1[redacted]")).replaceAll("[redacted]");
  }

  /**
   * Reports EX; DEFAULT_HINT (may be null) is the hint when the diagnosis has none; none of HIDDEN (what was given to
   * {@code --passphrase-file}) is shown.
   */
  private static int report(Throwable ex, CommandLine cmd, String defaultHint, java.util.List<String> hidden) {
    SealdropCommand root = root(cmd);
    Diagnosis diagnosis = Diagnoser.diagnose(ex);
    Diagnosis given = diagnosis.hint().isEmpty() && defaultHint != null
        ? new Diagnosis(diagnosis.exit(), diagnosis.reason(), diagnosis.message(), Optional.of(defaultHint))
        : diagnosis;
    // the last line of defence: whatever path or word a message quotes, a grant token or claim id in it is not shown
    Diagnosis d = new Diagnosis(given.exit(), given.reason(), redactSecrets(withoutValues(given.message(), hidden)),
        given.hint().map(h -> redactSecrets(withoutValues(h, hidden))));
    int exit = cmd.getExitCodeExceptionMapper() != null ? cmd.getExitCodeExceptionMapper().getExitCode(ex)
        : d.exit().code();
    if (root != null && root.output().stopping()) {
      // a signal ended the run, and the shutdown hook already said so ("interrupted", with its hint): the command's
      // own failure after it (round AL: a second error block, "stopped by a signal") is not shown
      return exit;
    }
    PrintWriter err = cmd.getErr();
    err.println("sealdrop: error: " + TerminalText.clean(d.message()));
    d.hint().ifPresent(h -> err.println("sealdrop: hint: " + TerminalText.clean(h)));
    if (root != null && root.globals().verbose()) {
      // a bug report is pasted where others read it: the trace's messages are redacted as the lines above, and each
      // cleaned whole, as they are: a server's words reach it through the exceptions' messages (review DQ: terminal
      // escapes were printed raw; review DS: a newline in a message made a line of its own, "sealdrop: hint: ...")
      java.util.Set<Throwable> shown = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      String caused = "";
      for (Throwable t = ex; t != null && shown.add(t); t = t.getCause()) {
        err.println(caused + TerminalText.clean(redactSecrets(withoutValues(t.toString(), hidden))));
        for (StackTraceElement frame : t.getStackTrace()) {
          err.println("\tat " + TerminalText.clean(frame.toString()));
        }
        caused = "Caused by: ";
      }
    } else if (d.exit() == ExitCodes.INTERNAL) {
      err.println("sealdrop: hint: add --verbose to see where it failed");
    }
    err.flush();
    if (root != null) {
      Throwable cause = ex;
      while (cause instanceof CommandLine.ExecutionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      Optional<String> written = cause instanceof SealdropFailure f ? f.writtenFile() : Optional.empty();
      root.output().emitError(new ErrorResult(exit, d.exit().kind(), d.reason(), d.message(), d.hint(), written));
    }
    return exit;
  }

  /**
   * picocli stops at the first bad option value, so {@code --json} or {@code --verbose} further
   * right were never parsed; they are global flags (accepted anywhere before {@code --}), and the
   * error report must honour them too: a script that asked for JSON gets its JSON error document.
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
