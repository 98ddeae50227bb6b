package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.admin.AdminCommand;
import dev.sealdrop.client.cli.audit.AuditCommand;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * The commands under {@code sealdrop}, in the order its help lists them, and which of them one
 * command line needs.
 *
 * <p>picocli builds the model of every command it is given, from their annotations, before it parses a
 * word: for all of sealdrop's commands that took 250–340 ms of each run, most of {@code sealdrop --version}
 * and about a tenth of a small send (docs/benchmarks.md, session 21). A command line that names
 * one command (after global options only) gets only that command's model; anything else (no
 * command, {@code help}, {@code --help}, {@code --version}, an unknown word or option) gets them all,
 * so that help lists every command and errors can suggest one. The one command's model is the same
 * as in the whole tree, so its parsing, help and errors are too ({@code HelpAndUsageTest}).
 */
final class TopCommands {
  /** Every command, as {@code sealdrop --help} lists them. */
  static final List<Class<?>> ALL = List.of(Sealdrop.HelpCommand.class, InitCommand.class, KeysCommand.class,
      SealCommand.class, OpenCommand.class, SendCommand.class, InboxCommand.class, ReceiveCommand.class,
      GrantsCommand.class, UploadedFilesCommand.class, GrantCommand.class, AdminCommand.class, AuditCommand.class);

  private TopCommands() {}

  /** The commands whose models {@code args} can need: the one it names, or all. */
  static List<Class<?>> neededFor(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--home")) {
        i++; // its value, whatever it looks like
      } else if (!a.equals("--json") && !a.equals("--verbose") && !a.startsWith("--home=")) {
        Class<?> named = named(a);
        return named == null || named == Sealdrop.HelpCommand.class ? ALL : List.of(named);
      }
    }
    return ALL;
  }

  static String name(Class<?> command) {
    return command.getAnnotation(Command.class).name();
  }

  private static Class<?> named(String word) {
    for (Class<?> c : ALL) {
      if (name(c).equals(word)) {
        return c;
      }
    }
    return null;
  }
}
