/**
 * The CLI's own failure vocabulary: one sealed hierarchy, one subtype per exit code.
 *
 * <p>Not the place for presentation ({@code cli.ErrorReporter}) or the numeric codes
 * ({@code cli.ExitCodes}). Invariant: messages name what failed and never carry secrets
 * (passphrases, tokens, claim ids, plaintext).
 */
package dev.sealdrop.client.failure;
