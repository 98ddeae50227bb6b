/**
 * The {@code sealdrop} command line (picocli): the root command, one class per subcommand, the
 * one {@link dev.sealdrop.client.cli.ExitCodes} table, the one exit-code mapper and the one error
 * voice ({@code sealdrop: error: ...} / {@code sealdrop: hint: ...} on stderr).
 *
 * <p>Not the place for cryptography, networking or file layout: commands orchestrate
 * {@code keystore}, {@code trust}, {@code net} and the protocol module. Invariants: every
 * failure leaves through {@link dev.sealdrop.client.cli.Diagnoser}; with {@code --json} stdout
 * holds exactly one JSON document; plaintext is written only by the envelope library, after
 * verification; keys are unlocked before any grant is redeemed.
 */
package dev.sealdrop.client.cli;
