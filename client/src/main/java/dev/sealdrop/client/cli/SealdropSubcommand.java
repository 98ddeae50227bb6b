package dev.sealdrop.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of every runnable subcommand: global options, a {@link Session}, exit 0 on return. */
abstract class SealdropSubcommand implements Callable<Integer> {
  @Mixin
  GlobalOptions globals;

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    try (Session session = new Session((SealdropCommand) spec.root().userObject())) {
      run(session);
    }
    return ExitCodes.OK.code();
  }

  abstract void run(Session session) throws Exception;
}
