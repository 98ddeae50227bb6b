package dev.sealdrop.client.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --passphrase-file FILE}: for commands that unlock or create private keys. */
final class PassphraseOption {
  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the key passphrase from the first line of FILE (else $SEALDROP_PASSPHRASE, else a prompt)."
          + " There is deliberately no option taking the passphrase itself.")
  Path file;
}
