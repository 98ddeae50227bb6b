package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.trust.KeyTrust;
import picocli.CommandLine.Option;

/**
 * A grant's one recipient, {@code --to IDENTITY} and {@code --accept-new-key}, shared by {@code send}
 * and {@code grant} so that both name it, and fetch, verify and pin its key bundle, alike.
 */
final class GrantRecipient {
  @Option(names = "--to", required = true, paramLabel = "IDENTITY", description = "The one recipient.")
  String identity;

  @Option(names = "--accept-new-key", description = "Accept and pin a recipient key that differs from the pinned one.")
  boolean acceptNewKey;

  /**
   * Refuses an empty {@code --to} ({@link Recipients#requireNamed}) and one that is no identity name; keeps it without
   * the blanks around it (round CY). Called before {@link #identity} is used.
   */
  void requireNamed() throws UsageFailure {
    Recipients.requireNamed("--to", identity, "--to bob");
    // refused here, before the server is asked (outside test: `--to -bob` went to the server, audited as refused); a
    // token pasted there is named by its kind, never repeated
    identity = Recipients.requireIdentityName("--to", identity, "give the recipient's identity name, as `sealdrop keys"
        + " show NAME` takes it");
  }

  /** The recipient's key bundle from the server, verified against the CA and checked against (or added to) the pins. */
  KeyTrust.Trusted fetchTrusted(Session session) throws SealdropFailure {
    return session.fetchTrusted(identity, acceptNewKey);
  }
}
