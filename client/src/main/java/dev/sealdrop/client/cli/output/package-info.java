/**
 * What the CLI prints: {@link dev.sealdrop.client.cli.output.Output} owns stdout, results render
 * as text for people or as exactly one JSON document ({@code --json}, jackson-core's streaming
 * generator), progress bars appear only on a terminal.
 *
 * <p>Not the place for deciding exit codes or error wording ({@code cli.Diagnoser}). Invariant:
 * untrusted strings reach a terminal only through {@link dev.sealdrop.client.cli.output.TerminalText#clean}.
 */
package dev.sealdrop.client.cli.output;
