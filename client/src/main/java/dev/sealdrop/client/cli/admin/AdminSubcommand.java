package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.SealdropCommand;
import dev.sealdrop.client.cli.WithGlobalOptions;
import dev.sealdrop.client.cli.output.Output;

/** Base of every {@code sealdrop admin} leaf command: global options, one admin connection, exit 0 on return. */
abstract class AdminSubcommand extends WithGlobalOptions {
  @Override
  public final Integer call() throws Exception {
    SealdropCommand root = (SealdropCommand) spec.root().userObject();
    try (AdminConnection admin = AdminConnection.open(root)) {
      run(admin, root.output());
    }
    return 0;
  }

  abstract void run(AdminConnection admin, Output output) throws Exception;
}
