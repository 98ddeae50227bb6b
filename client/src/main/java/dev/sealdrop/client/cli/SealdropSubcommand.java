package dev.sealdrop.client.cli;

/** Base of every runnable subcommand: global options, a {@link Session}, exit 0 on return. */
abstract class SealdropSubcommand extends WithGlobalOptions {
  @Override
  public final Integer call() throws Exception {
    try (Session session = new Session((SealdropCommand) spec.root().userObject())) {
      run(session);
    }
    return ExitCodes.OK.code();
  }

  abstract void run(Session session) throws Exception;
}
