package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.admin.AdminCommand;
import dev.sealdrop.client.cli.audit.AuditCommand;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands under {@code sealdrop}, in the order its help lists them, and which of them one
 * command line needs.
 *
 * <p>picocli builds the model of every command it is given, from their annotations, before it parses a
 * word: for all of sealdrop's commands that took 250–340 ms of each run, most of {@code sealdrop --version}
 * and about a tenth of a small send (docs/benchmarks.md, session 21). A command line that names
 * one command (after global options only) gets only that command's model, and {@code --version} alone
 * none; anything else (no command, {@code help}, {@code --help}, an unknown word or option) gets them all,
 * so that help lists every command and errors can suggest one. The one command's model is the same
 * as in the whole tree, so its parsing, help and errors are too ({@code HelpAndUsageTest}).
 */
final class TopCommands {
  /**
   * Every command by its name, as {@code sealdrop --help} lists them. The names are the classes' own
   * constants (the ones their annotations use): reading thirteen annotations took about 20 ms.
   */
  private static final Map<String, Class<?>> BY_NAME = byName(
      Map.entry(Sealdrop.HelpCommand.NAME, Sealdrop.HelpCommand.class), Map.entry(InitCommand.NAME, InitCommand.class),
      Map.entry(KeysCommand.NAME, KeysCommand.class), Map.entry(SealCommand.NAME, SealCommand.class),
      Map.entry(OpenCommand.NAME, OpenCommand.class), Map.entry(SendCommand.NAME, SendCommand.class),
      Map.entry(InboxCommand.NAME, InboxCommand.class), Map.entry(ReceiveCommand.NAME, ReceiveCommand.class),
      Map.entry(GrantsCommand.NAME, GrantsCommand.class), Map.entry(UploadedFilesCommand.NAME, UploadedFilesCommand.class),
      Map.entry(GrantCommand.NAME, GrantCommand.class), Map.entry(AdminCommand.NAME, AdminCommand.class),
      Map.entry(AuditCommand.NAME, AuditCommand.class));

  /** Every command, as {@code sealdrop --help} lists them. */
  static final List<Class<?>> ALL = List.copyOf(BY_NAME.values());

  private TopCommands() {}

  /**
   * The commands whose models {@code args} can need: the one it names; none for {@code --version}
   * alone (the root's model prints it); else all.
   */
  static List<Class<?>> neededFor(String[] args) {
    int first = firstWord(args, 0);
    if (first == args.length) {
      return ALL;
    }
    String word = args[first];
    if ((word.equals("--version") || word.equals("-V")) && firstWord(args, first + 1) == args.length) {
      return List.of();
    }
    Class<?> named = named(word);
    return named == null || named == Sealdrop.HelpCommand.class ? ALL : List.of(named);
  }

  /** The index of the first word from {@code from} on that is not a global option or its value (or the length). */
  private static int firstWord(String[] args, int from) {
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--home")) {
        i++; // its value, whatever it looks like
      } else if (!a.equals("--json") && !a.equals("--verbose") && !a.startsWith("--home=")) {
        return i;
      }
    }
    return args.length;
  }

  /** The name of {@code command}, one of {@link #ALL}. */
  static String name(Class<?> command) {
    for (Map.Entry<String, Class<?>> e : BY_NAME.entrySet()) {
      if (e.getValue() == command) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException(command + " is not a sealdrop command");
  }

  @SafeVarargs
  private static Map<String, Class<?>> byName(Map.Entry<String, Class<?>>... commands) {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    for (Map.Entry<String, Class<?>> e : commands) {
      m.put(e.getKey(), e.getValue());
    }
    return Collections.unmodifiableMap(m);
  }

  private static Class<?> named(String word) {
    return BY_NAME.get(word);
  }
}
