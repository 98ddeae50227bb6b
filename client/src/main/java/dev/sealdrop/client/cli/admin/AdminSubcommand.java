package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.Recipients;
import dev.sealdrop.client.cli.SealdropCommand;
import dev.sealdrop.client.cli.WithGlobalOptions;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.failure.UsageFailure;

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

  /**
   * The identity VALUE of OPTION (null when left out) as the server is to be asked about it: refused when empty
   * ({@code EMPTY_IDENTITY}, {@code example} showing one) or when no identity name ({@code BAD_IDENTITY}), without the
   * blanks around it. Round CY: {@code admin grants list --owner "alice "} went to the server as "alice " (its
   * refusal: a malformed identity, "check the arguments"), while {@code receive --from "alice "} is taken as alice.
   */
  static String identity(String option, String value, String example) throws UsageFailure {
    if (value == null) {
      return null;
    }
    Recipients.requireNamed(option, value, example);
    return Recipients.requireIdentityName(option, value, "give an identity's name, e.g. " + example
        + " (`sealdrop admin identities list` lists them)");
  }
}
