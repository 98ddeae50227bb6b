package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import picocli.CommandLine;

/** Builds the configured {@code sealdrop} command line: handlers, exit codes, help sections. */
public final class Sealdrop {
  private Sealdrop() {}

  /** The whole command line, every command in it. */
  public static CommandLine commandLine(CliEnvironment environment) {
    return commandLine(new SealdropCommand(environment), TopCommands.ALL);
  }

  /** The command line that runs {@code args}: with the models of only the commands they can need ({@link TopCommands}). */
  public static CommandLine commandLine(CliEnvironment environment, String[] args) {
    return commandLine(new SealdropCommand(environment), args);
  }

  /** As {@link #commandLine(CliEnvironment, String[])}, around {@code top}, made beforehand (so that its output exists before picocli's model). */
  static CommandLine commandLine(SealdropCommand top, String[] args) {
    return commandLine(top, TopCommands.neededFor(args));
  }

  private static CommandLine commandLine(SealdropCommand top, List<Class<?>> commands) {
    CommandLine cl = new CommandLine(top);
    for (Class<?> c : commands) {
      cl.addSubcommand(TopCommands.name(c), c);
    }
    cl.registerConverter(java.nio.file.Path.class, EmptyArgument::path);
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
   * script's stdout is always JSON. The {@code help} command does the same itself ({@link HelpCommand}).
   */
  private static int execute(CommandLine.ParseResult parsed) {
    CommandLine root = parsed.commandSpec().commandLine();
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.isUsageHelpRequested()) {
        UsageFailure unknown = unknownCommandBeforeHelp(p);
        if (unknown != null) { // reported as any failure, as the help command's own refusal is
          throw new CommandLine.ExecutionException(p.commandSpec().commandLine(), unknown.getMessage(), unknown);
        }
      }
    }
    if (root.getCommand() instanceof SealdropCommand top && top.globals().json()) {
      for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
        CommandLine cmd = p.commandSpec().commandLine();
        try {
          if (p.isUsageHelpRequested()) {
            top.output().emitReport(new HelpText("usage", cmd.getUsageMessage(CommandLine.Help.Ansi.OFF)));
            return ExitCodes.OK.code();
          }
          if (p.isVersionHelpRequested()) {
            top.output().emitReport(new HelpText("version", String.join("\n", versions(cmd))));
            return ExitCodes.OK.code();
          }
        } catch (UsageFailure notWritten) {
          throw new CommandLine.ExecutionException(cmd, notWritten.getMessage(), notWritten); // reported as any failure
        }
      }
    }
    return new CommandLine.RunLast().execute(parsed);
  }

  /**
   * The usage error for NAME given where a subcommand of PARENT belongs ({@code sealdrop admin nosuch},
   * {@code sealdrop help admin nosuch}): reason {@code UNKNOWN_COMMAND}, the message naming the whole
   * command path, the hint PARENT's help.
   */
  static UsageFailure unknownCommand(CommandLine parent, String name, Throwable cause) {
    List<String> path = new ArrayList<>();
    for (CommandLine c = parent; c.getParent() != null; c = c.getParent()) {
      path.add(0, c.getCommandName());
    }
    Optional<String> secret = secretKind(name);
    if (secret.isPresent()) {
      // neither repeated nor kept as the cause (whose message, shown by --verbose, holds it)
      return new UsageFailure("UNKNOWN_COMMAND", "unknown command: the word given is " + secret.get() + ", not a"
          + " command (it is not repeated here)", "a grant token goes after `sealdrop receive` (sealdrop receive"
          + " TOKEN -o FOLDER); see `" + parent.getCommandSpec().qualifiedName(" ") + " --help`");
    }
    if (parent.getSubcommands().containsKey(name)) {
      // a command word that is none here can only have come after `--` (round CS: "did you mean inbox?" of inbox)
      String word = dev.sealdrop.client.cli.output.TerminalText.clean(name);
      return new UsageFailure("UNKNOWN_COMMAND", "'" + word + "' came after `--`, where every word is a value, not a"
          + " command", "give the command before `--` (`" + parent.getCommandSpec().qualifiedName(" ") + " " + word
          + " ...`); `--` only ends the options of a command that takes values", cause);
    }
    path.add(name);
    // the near misses among PARENT's commands, as for options (round CA: `sealdrop recieve` got no suggestion)
    List<String> near = name.length() < 2 ? List.of() : parent.getSubcommands().entrySet().stream()
        .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden() && !e.getKey().equals("help"))
        .map(java.util.Map.Entry::getKey).filter(c -> nearMiss(name, c)).distinct().limit(3).toList();
    // round CN: `sealdrop grants list`, as `admin grants list` is spelled; `grants` alone lists them (round CY: and
    // `files`, `inbox` alike, which had only "see sealdrop files --help")
    String alone = listsAlone(parent, name) ? " (`" + parent.getCommandSpec().qualifiedName(" ") + "` alone lists them)"
        : "";
    return new UsageFailure("UNKNOWN_COMMAND", "unknown command '" + String.join(" ", path) + "'"
        + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)") + alone,
        "see `" + parent.getCommandSpec().qualifiedName(" ") + " --help`", cause);
  }

  /**
   * A command that lists when given alone ({@code sealdrop grants}, {@code files}, {@code inbox}), where
   * {@code admin grants list} and {@code admin files list} take a {@code list}: that word given to it is pointed there.
   */
  interface Listing {}

  /** Whether WORD is {@code list} (or {@code ls}) given to a {@link Listing} command, which lists without it. */
  private static boolean listsAlone(CommandLine command, String word) {
    return command.getCommand() instanceof Listing && (word.equals("list") || word.equals("ls"));
  }

  /**
   * What kind of secret WORD is, if it has the shape of one: a grant token ({@code sdg_…}) or a claim
   * id ({@code sdc_…}). A message never repeats such a word (it would land in terminals, logs and CI
   * output), it names its kind instead.
   */
  public static Optional<String> secretKind(String word) {
    String w = word.strip().toLowerCase(java.util.Locale.ROOT);
    if (w.startsWith("sdg_")) {
      return Optional.of("a grant token");
    }
    if (w.startsWith("sdc_")) {
      return Optional.of("a claim id");
    }
    return Optional.empty();
  }

  /**
   * The UNKNOWN_COMMAND error for a parse error that is one: a word picocli could not match, first
   * of the unmatched, where a command that has subcommands and no positional parameters expects its
   * subcommand ({@code sealdrop nosuch}, {@code sealdrop admin nosuch}); otherwise null.
   */
  static UsageFailure unknownCommand(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return null;
    }
    String first = u.getUnmatched().get(0);
    CommandLine cmd = ex.getCommandLine();
    CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
    if (first.startsWith("-") || !spec.positionalParameters().isEmpty()
        || spec.subcommands().isEmpty() && !listsAlone(cmd, first)) { // `inbox list`: as `grants list` (round CY)
      return null;
    }
    return unknownCommand(cmd, first, ex);
  }

  /**
   * The UNKNOWN_COMMAND error for {@code COMMAND WORD --help} where WORD is no subcommand of COMMAND (and COMMAND takes
   * no parameters, so WORD can only have been meant as one), as {@code help COMMAND WORD} refuses it; otherwise null.
   * picocli leaves such a word unmatched when help is asked for and prints COMMAND's help (round CY: `sealdrop files
   * list --help` printed the help of `files` and exited 0, while `sealdrop help files list` exited 2).
   */
  static UsageFailure unknownCommandBeforeHelp(CommandLine.ParseResult parsed) {
    CommandLine cmd = parsed.commandSpec().commandLine();
    List<String> unmatched = parsed.unmatched();
    // an unmatched option means the words after it may be its value, a passphrase given as --passphrase SECRET among
    // them: never repeated (review of round CY's fix); such a line prints the help, as before
    if (unmatched.isEmpty() || unmatched.stream().anyMatch(w -> w.startsWith("-"))
        || !parsed.commandSpec().positionalParameters().isEmpty()) {
      return null;
    }
    return unknownCommand(cmd, unmatched.get(0), null);
  }

  /**
   * The usage error for {@code --passphrase SECRET} or {@code --passphrase=SECRET}, which no command
   * takes (docs/cli.md, "Passphrases"): reason {@code PASSPHRASE_ON_COMMAND_LINE}, saying where a
   * passphrase goes instead. Unlike picocli's "Unknown options: '--passphrase', 'SECRET'" it never
   * repeats what followed the option, nor keeps picocli's exception (whose message holds it) for
   * {@code --verbose}'s stack trace; otherwise null.
   */
  static UsageFailure passphraseOnCommandLine(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u)
        || u.getUnmatched().stream().noneMatch(Sealdrop::namesASecret)) {
      return null;
    }
    return new UsageFailure("PASSPHRASE_ON_COMMAND_LINE", "sealdrop takes no passphrase on the command line"
        + " (no option does): it would stay in your shell history and show in `ps`; nothing was run",
        "put the passphrase as the first line of a file only you can read and pass --passphrase-file FILE,"
        + " or set SEALDROP_PASSPHRASE, or leave both out to be asked on the terminal");
  }

  /** The option names a passphrase is likely given under (compared without dashes or underscores, in any case). */
  private static final java.util.Set<String> SECRET_OPTIONS = java.util.Set.of("passphrase", "password", "passwd",
      "pass", "pwd", "pw", "p", "secret");

  /**
   * Whether WORD is an option that would carry a passphrase: {@code --passphrase}, and (round X: each was echoed in the
   * unknown-option message, stderr and --json) {@code --password=S}, {@code -passphrase=S}, {@code --PASSPHRASE S}, ...
   */
  private static boolean namesASecret(String word) {
    if (!word.startsWith("-")) {
      return false;
    }
    // -pSECRET, -PSECRET: a short option with its value attached, as getopt reads it (round AR: echoed)
    if (word.length() > 2 && (word.charAt(1) == 'p' || word.charAt(1) == 'P')) {
      return true; // (no command has a -p or -P option of its own)
    }
    int eq = word.indexOf('=');
    // any number of dashes, and dashes or underscores inside (---passphrase, --pass-phrase, --pass_word: round AA)
    String name = (eq < 0 ? word : word.substring(0, eq)).replaceFirst("^-+", "").replace("-", "").replace("_", "")
        .toLowerCase(java.util.Locale.ROOT);
    return SECRET_OPTIONS.contains(name);
  }

  /**
   * The usage error for {@code send} or {@code grant} given {@code --to} more than once ({@code --to bob --to dave}, as
   * {@code seal} takes it; {@code --to bob dave} too, see {@link #unexpectedArgument}): reason {@code ONE_RECIPIENT}, saying that a grant is for one recipient and how to reach
   * several, instead of picocli's "option '--to' (IDENTITY) should be specified only once"; otherwise null.
   */
  static UsageFailure repeatedRecipient(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.OverwrittenOptionException o) || !(o.getOverwritten() instanceof
        CommandLine.Model.OptionSpec option) || !option.longestName().equals("--to")) {
      return null;
    }
    return oneRecipient(ex);
  }

  /** {@code ONE_RECIPIENT} for the command that refused EX: a grant is for one recipient, and how to reach several. */
  private static UsageFailure oneRecipient(CommandLine.ParameterException ex) {
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    String perRecipient = name.endsWith(" send")
        ? "run `sealdrop send FILE --to NAME` once for each recipient (each gets a grant and token of their own); or"
            + " seal once for all of them (`sealdrop seal FILE --to bob --to dave -o FILE.sealed`), put it into"
            + " /outbox/ by SFTP, and run `sealdrop grant FILE_ID --to NAME` for each"
        : "run `" + name + " FILE_ID --to NAME` once for each recipient the file is sealed for (`sealdrop files`"
            + " lists the keys each file is sealed for)";
    return new UsageFailure("ONE_RECIPIENT", "`" + name + "` makes a grant for one recipient: give --to once",
        perRecipient, ex);
  }

  /**
   * The usage error for a value that starts with '-' where a parameter belongs ({@code admin identities add -frank
   * --role acquirer}): picocli reads it as an option it does not know, then reports only the parameter as missing,
   * which hides the word it took (outside test). Reason {@code UNKNOWN_OPTION}, naming the word and the missing
   * parameter; the hint says how to pass such a value ({@code --} before it, after the options). Null otherwise.
   */
  static UsageFailure unknownOptionForParameter(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.MissingParameterException missing)) {
      return null;
    }
    Optional<String> word = ex.getCommandLine().getUnmatchedArguments().stream()
        .filter(a -> a.startsWith("-") && !a.equals("-") && !a.equals("--")).findFirst();
    List<String> labels = missing.getMissing().stream()
        .filter(a -> a instanceof CommandLine.Model.PositionalParamSpec).map(CommandLine.Model.ArgSpec::paramLabel)
        .toList();
    if (word.isPresent() && labels.isEmpty()) {
      return unknownOptionForRequiredOption(ex, missing, word.get());
    }
    if (word.isEmpty() || labels.isEmpty()) {
      return null;
    }
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    String label = String.join(" and ", labels);
    Optional<String> secret = secretKind(word.get().substring(1));
    String shown = secret.map(k -> "(" + k + ", not repeated here)").orElse("'" + word.get() + "'");
    return new UsageFailure("UNKNOWN_OPTION", "unknown option " + shown + ": `" + name + "` has no such option, and"
        + " its " + label + " is missing", "see `" + name + " --help` for its options; a word that starts with '-'"
        + " is read as one: if it was meant as " + label + ", give the options first, then `--`, then it (`" + name
        + " [OPTIONS] -- " + labels.get(0) + "`)");
  }

  /**
   * {@code send FILE --too bob}: picocli reports only the required option left out ("Missing required option
   * '--to=IDENTITY'"), not the word it did not know (round V). {@code UNKNOWN_OPTION}, naming both, and the option as
   * the near miss when the word is one; null when no required option is missing.
   */
  private static UsageFailure unknownOptionForRequiredOption(CommandLine.ParameterException ex,
      CommandLine.MissingParameterException missing, String word) {
    List<String> options = missing.getMissing().stream().filter(a -> a instanceof CommandLine.Model.OptionSpec)
        .map(a -> ((CommandLine.Model.OptionSpec) a).longestName()).toList();
    if (options.isEmpty() || secretKind(word.substring(1)).isPresent()) {
      return null;
    }
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    String bare = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
    List<String> near = options.stream().filter(o -> nearMiss(bare, o)).toList();
    return new UsageFailure("UNKNOWN_OPTION", "unknown option '" + word + "': `" + name + "` has no such option, and"
        + " its required " + String.join(" and ", options) + (options.size() == 1 ? " is" : " are") + " missing"
        + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)"),
        "see `" + name + " --help` for its options");
  }

  /** Whether {@code word} reads as a slip for {@code option}: one starts with the other, or two edits apart. */
  static boolean nearMiss(String word, String option) {
    if (word.startsWith(option) || option.startsWith(word)) {
      return true;
    }
    int[] prev = new int[option.length() + 1];
    int[] cur = new int[option.length() + 1];
    for (int j = 0; j <= option.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= word.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= option.length(); j++) {
        int cost = word.charAt(i - 1) == option.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[option.length()] <= 2;
  }

  /**
   * The usage error for an unknown option-like word where an optional parameter may stand ({@code keys show -bob}):
   * reason {@code UNKNOWN_OPTION}, and the hint says how to pass a value that starts with '-' (round Q: picocli's
   * "Unknown option" alone). Null otherwise.
   */
  static UsageFailure unknownOption(CommandLine.ParameterException ex, String[] args) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || !u.isUnknownOption()
        || u.getUnmatched().isEmpty()) {
      return null;
    }
    String word = u.getUnmatched().get(0);
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    List<String> labels = ex.getCommandLine().getCommandSpec().positionalParameters().stream()
        .filter(p -> !p.hidden()).map(CommandLine.Model.ArgSpec::paramLabel).toList();
    Optional<String> secret = secretKind(word.substring(Math.min(1, word.length())));
    String shown = secret.map(k -> "(" + k + ", not repeated here)").orElse("'" + word + "'");
    List<String> takers = ex.getCommandLine().getParent() == null && word.startsWith("-") && secret.isEmpty()
        ? commandsWithOption(ex.getCommandLine(), word) : List.of();
    if (!takers.isEmpty()) {
      // the command given after it, if it takes the option: `sealdrop --passphrase-file F open X` → `sealdrop open`
      List<String> given = List.of(args);
      String example = takers.stream().filter(t -> given.contains(t.substring(t.lastIndexOf(' ') + 1)))
          .findFirst().orElse(takers.get(0));
      return new UsageFailure("UNKNOWN_OPTION", "unknown option " + shown + ": `" + name + "` has no such option;"
          + " it is an option of " + (takers.size() <= 4 ? String.join(", ", takers) : String.join(", ",
          takers.subList(0, 4)) + " and others"), "give it after the command's name, e.g. `" + example + " ... "
          + word + " ...`", ex);
    }
    // picocli's near matches among the command's options (`--expire` for --expires: round U)
    List<String> near = secret.isPresent() ? List.of() : u.getSuggestions().stream().filter(o -> o.startsWith("-"))
        .limit(3).toList();
    return new UsageFailure("UNKNOWN_OPTION", "unknown option " + shown + ": `" + name + "` has no such option"
        + (near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)"),
        // a near option named, the word was one mistyped (round AX: `send FILE --expire 3h` was told how to pass it as
        // FILE, which it had given)
        "see `" + name + " --help` for its options" + (labels.isEmpty() || !near.isEmpty() ? ""
            : "; a word that starts with '-' is read as one: if it was meant as " + labels.get(0) + ", give the options"
                + " first, then `--`, then it (`" + name + " [OPTIONS] -- " + labels.get(0) + "`)"));
  }

  /** Picocli's account of an option whose value starts with '-': "Expected parameter for option '--output' but found '-x'". */
  private static final java.util.regex.Pattern DASHED_VALUE =
      java.util.regex.Pattern.compile("Expected parameter for option '([^']+)' but found '(.*)'", java.util.regex.Pattern.DOTALL);

  /**
   * The usage error for an option given a value that starts with '-' ({@code seal -o -out.sd}): picocli takes the
   * value for another option and says the option has none. Reason {@code OPTION_VALUE_MISSING}, naming the option
   * and the word; the hint shows the {@code --option=VALUE} form that passes it (round Q). Null otherwise.
   */
  static UsageFailure dashedOptionValue(CommandLine.ParameterException ex) {
    MissingValue missing = MissingValue.of(ex, DASHED_VALUE);
    if (missing == null) {
      return null;
    }
    String name = missing.command();
    String longest = missing.option();
    String word = missing.value();
    Optional<String> secret = secretKind(word.substring(Math.min(1, word.length())));
    if (secret.isPresent()) {
      return new UsageFailure("OPTION_VALUE_MISSING", "option " + longest + " of `" + name + "` has no value: the word"
          + " after it (" + secret.get() + ", not repeated here) starts with '-', so it is read as an option",
          "see `" + name + " --help`; a value that starts with '-' is given as " + longest + "=VALUE");
    }
    return new UsageFailure("OPTION_VALUE_MISSING", "option " + longest + " of `" + name + "` has no value: the word"
        + " after it, '" + word + "', starts with '-', so it is read as an option", "if '" + word + "' was meant as its"
        + " value, write `" + longest + "=" + word + "`" + (word.startsWith("--") ? "" : " (for a file, `./" + word
        + "` too)") + "; see `" + name + " --help`", ex);
  }

  /** Picocli's account of an option given as the last word, with nothing after it: "Missing required parameter for option '--to' (IDENTITY)". */
  private static final java.util.regex.Pattern LAST_WORD_OPTION =
      java.util.regex.Pattern.compile("Missing required parameter for option '([^']+)' \\((.*)\\)", java.util.regex.Pattern.DOTALL);

  /**
   * The usage error for an option given as the command's last word ({@code send FILE --to}, {@code receive TOKEN -o}):
   * {@code OPTION_VALUE_MISSING}, as for a value that starts with '-', naming the option and what it takes, instead
   * of picocli's "Missing required parameter for option '--to' (IDENTITY)" under reason {@code USAGE} (round CP).
   * Null otherwise.
   */
  static UsageFailure lastWordOption(CommandLine.ParameterException ex) {
    MissingValue missing = MissingValue.of(ex, LAST_WORD_OPTION);
    if (missing == null) {
      return null;
    }
    String label = missing.value();
    return new UsageFailure("OPTION_VALUE_MISSING", "option " + missing.option() + " of `" + missing.command() + "`"
        + " has no value: nothing follows it", "give its " + label + " after it (`" + missing.option() + " " + label
        + "`); see `" + missing.command() + " --help`", ex);
  }

  /**
   * An option picocli says has no value, in words {@code account} matches (its group 1 the option as given, group 2
   * what it found or expected): the command's name, the option's longest name, and that group 2.
   */
  private record MissingValue(String command, String option, String value) {
    /** Null if {@code ex} is not such an account. */
    static MissingValue of(CommandLine.ParameterException ex, java.util.regex.Pattern account) {
      if (!(ex instanceof CommandLine.MissingParameterException) || ex.getMessage() == null) {
        return null;
      }
      java.util.regex.Matcher m = account.matcher(ex.getMessage());
      if (!m.matches()) {
        return null;
      }
      CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
      CommandLine.Model.OptionSpec option = spec.findOption(m.group(1));
      return new MissingValue(spec.qualifiedName(" "), option == null ? m.group(1) : option.longestName(), m.group(2));
    }
  }

  /**
   * The usage error for a word no parameter takes ({@code seal FILE --to bob dave}, {@code receive A B},
   * {@code inbox bob}), instead of picocli's "Unmatched argument at index N": it names the word and what
   * the command takes; when the word follows an option's value and that option may be repeated, the
   * hint shows the repetition ({@code --to bob --to dave}). Null for an option-like word or a word
   * where a subcommand belongs ({@link #unknownCommand(CommandLine.ParameterException)}).
   */
  static UsageFailure unexpectedArgument(CommandLine.ParameterException ex, String[] args) {
    if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return null;
    }
    String extra = u.getUnmatched().get(0);
    boolean valueByDash = afterDoubleDash(args, extra);
    if (extra.startsWith("-") && !valueByDash) {
      return null;
    }
    CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
    String name = spec.qualifiedName(" ");
    List<String> takes = spec.positionalParameters().stream().filter(p -> !p.hidden())
        .map(p -> (p.arity().max() == 1 ? "one " : "") + p.paramLabel()).toList();
    String hint = "see `" + name + " --help`";
    Optional<String> secret = secretKind(extra);
    if (secret.isPresent()) {
      // neither repeated nor kept as the cause (whose message, shown by --verbose, holds it)
      return new UsageFailure("USAGE", "unexpected argument: " + secret.get() + " (not repeated here); `" + name
          + "` takes " + (takes.isEmpty() ? "no arguments" : String.join(" and ", takes)), hint);
    }
    List<String> given = List.of(args);
    int at = given.indexOf(extra);
    if (at >= 2) {
      CommandLine.Model.OptionSpec option = spec.findOption(given.get(at - 2));
      if (option != null && !option.isMultiValue() && option.longestName().equals("--to")) {
        return oneRecipient(ex); // send FILE --to bob dave
      }
      if (option != null && option.isMultiValue() && option.arity().max() == 1) {
        String o = given.get(at - 2);
        hint = "options take one value each: repeat the option for more (e.g. " + o + " " + given.get(at - 1) + " "
            + o + " " + extra + "); " + hint;
      }
    }
    if (valueByDash) {
      // round X: `send a.txt --to bob -- --json` was "unknown option '--json' (did you mean --json?)"
      hint = "after `--` every word is a value, not an option: give the options before `--`; " + hint;
    } else if (spec.findOption("-o") != null && looksLikeAPlace(extra) && !given.contains("-o")
        && !given.contains("--output")
        && given.stream().noneMatch(a -> a.startsWith("--output=") || a.startsWith("-o") && a.length() > 2)) {
      // round BK: `receive TOKEN DIR` did not point at -o
      hint = "if '" + extra + "' is where the output goes, give it with -o (`-o " + extra + "`); " + hint;
    }
    return new UsageFailure("USAGE", "unexpected argument '" + extra + "': `" + name + "` takes "
        + (takes.isEmpty() ? "no arguments" : String.join(" and ", takes)), hint, ex);
  }

  /**
   * {@code send FILE bob}: picocli reports only the required option left out, not the word it did not take (round BK).
   * {@code USAGE}, naming both, and the option with the word as the likely intent ({@code did you mean --to bob?});
   * null when no required option is missing or no plain word was left over.
   */
  static UsageFailure missingOptionWithSpareWord(CommandLine.ParameterException ex) {
    if (!(ex instanceof CommandLine.MissingParameterException missing)) {
      return null;
    }
    List<CommandLine.Model.OptionSpec> options = missing.getMissing().stream()
        .filter(a -> a instanceof CommandLine.Model.OptionSpec).map(a -> (CommandLine.Model.OptionSpec) a).toList();
    Optional<String> word = ex.getCommandLine().getUnmatchedArguments().stream()
        .filter(a -> !a.isEmpty() && !a.startsWith("-")).findFirst();
    if (options.isEmpty() || word.isEmpty() || secretKind(word.get()).isPresent()) {
      return null;
    }
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    String required = options.stream().map(o -> o.longestName() + " " + o.paramLabel()).collect(
        java.util.stream.Collectors.joining(" and "));
    return new UsageFailure("USAGE", "`" + name + "` needs " + required + ", and takes no argument '"
        + dev.sealdrop.client.cli.output.TerminalText.clean(word.get()) + "'" + (options.size() == 1 ? " (did you mean "
        + options.get(0).longestName() + " " + dev.sealdrop.client.cli.output.TerminalText.clean(word.get()) + "?)" : ""), "see `" + name
        + " --help`", ex);
  }

  /**
   * An option given twice at one level ({@code --home A --home B inbox}): picocli's "should be specified only once"
   * named neither value, while the same slip across levels is told both (round BK). {@code USAGE}, naming the values;
   * null otherwise.
   */
  static UsageFailure optionTwice(CommandLine.ParameterException ex, String[] args) {
    if (!(ex instanceof CommandLine.OverwrittenOptionException o) || !(o.getOverwritten() instanceof
        CommandLine.Model.OptionSpec option) || option.arity().max() != 1) {
      return null;
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < args.length && !args[i].equals("--"); i++) {
      for (String n : option.names()) {
        if (args[i].equals(n) && i + 1 < args.length) {
          values.add(args[i + 1]);
        } else if (args[i].startsWith(n + "=")) {
          values.add(args[i].substring(n.length() + 1));
        }
      }
    }
    if (values.size() < 2 || values.stream().anyMatch(v -> secretKind(v).isPresent())) {
      return null;
    }
    return new UsageFailure("USAGE", option.longestName() + " given twice, as " + dev.sealdrop.client.cli.output
        .TerminalText.clean(values.get(0)) + " and " + dev.sealdrop.client.cli.output.TerminalText.clean(
        values.get(1)) + ": give it once", "see `" + ex.getCommandLine().getCommandSpec().qualifiedName(" ")
        + " --help`", ex);
  }

  /**
   * {@code sealdrop --passphrase-file F open X}: an option of commands given before the command's name was "`sealdrop`
   * has no such option" (round BK). Names the commands that take it; null if none does or the word is no option.
   */
  static List<String> commandsWithOption(CommandLine root, String word) {
    String bare = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
    List<String> found = new ArrayList<>();
    collectCommandsWith(root, bare, found);
    return found;
  }

  private static void collectCommandsWith(CommandLine c, String option, List<String> found) {
    for (CommandLine sub : new java.util.LinkedHashSet<>(c.getSubcommands().values())) {
      if (sub.getCommandSpec().findOption(option) != null && !sub.getCommandSpec().usageMessage().hidden()) {
        found.add(sub.getCommandSpec().qualifiedName(" "));
      }
      collectCommandsWith(sub, option, found);
    }
  }

  /** Whether {@code word} names a place to write to: an existing folder, or a path with a folder in it. */
  @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
      justification = "only looks whether the user's word is a folder")
  private static boolean looksLikeAPlace(String word) {
    try {
      return word.contains("/") || java.nio.file.Files.isDirectory(java.nio.file.Path.of(word));
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }

  /** Whether {@code word} stands after a {@code --} in {@code args}, where picocli reads every word as a value. */
  private static boolean afterDoubleDash(String[] args, String word) {
    List<String> given = List.of(args);
    int dash = given.indexOf("--");
    return dash >= 0 && given.lastIndexOf(word) > dash;
  }

  /**
   * {@code seal FILE --to bob} without {@code -o}: picocli's "Missing required option: '--output=OUT'" named the option
   * in its own notation and not what it is for (round CA); {@code keys add-ssh} without its file got "Missing required
   * parameter: 'FILE.pub'" alike. Reason {@code USAGE}, each missing option with its short name (or parameter by its
   * label) and the first line of its description; null when nothing required was left out.
   */
  static UsageFailure missingRequiredOptions(CommandLine.ParameterException ex) {
    // only options and parameters left out: an option given without its value (`-o` last) is picocli's "Missing required
    // parameter for option", which names it rightly (review CD: it was told "needs --output" though -o was given)
    String said = ex.getMessage() == null ? "" : ex.getMessage();
    if (!(ex instanceof CommandLine.MissingParameterException missing) || missing.getMissing().isEmpty()
        || !(said.startsWith("Missing required option") || said.startsWith("Missing required parameter")
            && !said.startsWith("Missing required parameter for option"))
        || !missing.getMissing().stream().allMatch(a -> a instanceof CommandLine.Model.PositionalParamSpec
            || a instanceof CommandLine.Model.OptionSpec o && o.required() && !matched(ex, o))) {
      return null;
    }
    String name = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
    List<String> each = new ArrayList<>();
    for (CommandLine.Model.ArgSpec a : missing.getMissing()) {
      each.add(a instanceof CommandLine.Model.OptionSpec o ? o.longestName() + " " + o.paramLabel()
          + (o.shortestName().equals(o.longestName()) ? "" : " (" + o.shortestName() + ")") : a.paramLabel());
    }
    String listed;
    if (each.size() == 1) {
      // one: what it is for, the first sentence of its description
      String[] description = missing.getMissing().get(0).description();
      listed = each.get(0) + (description.length == 0 ? "" : ": " + description[0].replaceAll("\\$\\{[^}]*}", "")
          .split("(?<=\\.)(?<!e\\.g\\.)(?<!i\\.e\\.)\\s", 2)[0].strip().replaceAll("\\.$", ""));
    } else {
      listed = each.size() + " " + (missing.getMissing().stream().allMatch(a -> a.isOption()) ? "options"
          : "arguments") + ": " + String.join(", ", each.subList(0, each.size() - 1)) + " and " + each.get(each.size()
          - 1);
    }
    // the command's own example that gives them, from its help's footer
    Optional<String> example = examples(ex.getCommandLine().getCommandSpec().usageMessage().footer()).stream()
        // one of this command (global options may come first: `sealdrop --home DIR init ...`), with no token in it
        // (the error would show it redacted)
        .filter(line -> (line.startsWith(name + " ") || line.startsWith("sealdrop --")
            && line.contains(name.substring("sealdrop".length()) + " "))
            && ErrorReporter.redactSecrets(line).equals(line) && missing.getMissing().stream().allMatch(
            a -> !(a instanceof CommandLine.Model.OptionSpec o) || java.util.Arrays.stream(o.names())
                .anyMatch(n -> java.util.Arrays.asList(line.split(" ")).contains(n)))).findFirst();
    return new UsageFailure("USAGE", "`" + name + "` needs " + listed,
        example.map(e -> "e.g. `" + e + "`; ").orElse("") + "see `" + name + " --help`", ex);
  }

  /**
   * A help footer's example commands, one each: a line ending in {@code \\} is continued on the next (grant's and init's
   * examples span lines).
   */
  private static List<String> examples(String[] footer) {
    List<String> commands = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : footer) {
      String part = line.strip();
      boolean continued = part.endsWith("\\");
      pending.append(pending.length() == 0 ? "" : " ").append(continued ? part.substring(0, part.length() - 1).strip()
          : part);
      if (!continued) {
        commands.add(pending.toString());
        pending.setLength(0);
      }
    }
    if (pending.length() > 0) {
      commands.add(pending.toString()); // a last line that promised more
    }
    return commands;
  }

  /** Whether OPTION was given on the command line that failed to parse (with or without its value). */
  private static boolean matched(CommandLine.ParameterException ex, CommandLine.Model.OptionSpec option) {
    CommandLine.ParseResult r = ex.getCommandLine().getParseResult();
    return r != null && r.hasMatchedOption(option);
  }

  /**
   * {@code send --json -- a.txt --to bob}: after {@code --} the option is a value, so picocli reports the option as
   * missing (round X: "unknown option '--to' ... has no such option, and its required --to is missing"). Reason
   * {@code USAGE}, saying where the option went; null otherwise.
   */
  static UsageFailure optionAfterDoubleDash(CommandLine.ParameterException ex, String[] args) {
    if (!(ex instanceof CommandLine.MissingParameterException missing)) {
      return null;
    }
    CommandLine.Model.CommandSpec spec = ex.getCommandLine().getCommandSpec();
    for (CommandLine.Model.ArgSpec a : missing.getMissing()) {
      if (a instanceof CommandLine.Model.OptionSpec option) {
        for (String optionName : option.names()) {
          if (afterDoubleDash(args, optionName)) {
            String name = spec.qualifiedName(" ");
            return new UsageFailure("USAGE", "the required " + option.longestName() + " is missing: it came after `--`,"
                + " where every word is a value", "give the options before `--`, e.g. `" + name + " "
                + option.longestName() + " " + option.paramLabel() + " -- ...`; see `" + name + " --help`");
          }
        }
      }
    }
    return null;
  }

  /**
   * {@code help [COMMAND...]}: the usage of the command at that path, exactly as {@code COMMAND...
   * --help} prints it (as text, or {@code {"ok":true,"usage":TEXT}} under {@code --json}); any word
   * that is not a subcommand at its level is the usage error {@code UNKNOWN_COMMAND}.
   */
  @CommandLine.Command(name = HelpCommand.NAME,
      description = "Show the usage of a command, e.g. admin files purge: the same as COMMAND --help.",
      footer = {"  sealdrop help send", "  sealdrop help admin files purge", "  sealdrop help keys add-ssh --json"})
  static final class HelpCommand extends WithGlobalOptions {
    static final String NAME = "help";

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true,
        description = "Show this help message and exit.")
    boolean helpRequested;

    @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*",
        description = "The command, with its subcommands (e.g. admin files purge).")
    List<String> path = new ArrayList<>();

    @Override
    public Integer call() throws UsageFailure {
      CommandLine target = spec.parent().commandLine();
      for (String name : path) {
        CommandLine next = target.getSubcommands().get(name);
        if (next == null) {
          throw unknownCommand(target, name, null);
        }
        target = next;
      }
      SealdropCommand top = (SealdropCommand) spec.root().userObject();
      if (top.globals().json()) {
        top.output().emitReport(new HelpText("usage", target.getUsageMessage(CommandLine.Help.Ansi.OFF)));
      } else {
        PrintWriter out = target.getOut();
        target.usage(out, target.getColorScheme());
        out.flush();
      }
      return ExitCodes.OK.code();
    }
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

  /**
   * Every command's help ends with the exit codes, then its {@code Example:} section; and every
   * command's {@code -V, --version} prints the version that {@code sealdrop --version} prints (picocli
   * gives a subcommand no version of its own, so {@code sealdrop send --version} printed nothing).
   */
  private static void decorate(CommandLine cl) {
    CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
    if (spec.versionProvider() == null && spec.version().length == 0) {
      spec.versionProvider(new Version());
    }
    CommandLine.Model.UsageMessageSpec u = spec.usageMessage();
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
