/**
 * sealdrop identities' keys: {@link dev.sealdrop.keys.PrivateKeys} (X-Wing + Ed25519), their
 * public halves, the passphrase-encrypted {@link dev.sealdrop.keys.PrivateKeyFile}, and signed
 * {@link dev.sealdrop.keys.KeyBundle}s verified by {@link dev.sealdrop.keys.BundleVerifier}.
 *
 * <p>Not here: sealing and opening files ({@code dev.sealdrop.envelope}), pinning policy (the
 * client). Invariants: private key bytes leave only via {@link dev.sealdrop.keys.SecretAccess};
 * key objects copy their inputs and redact {@code toString()}; bundles are verified over the
 * exact bytes received. Formats: {@code docs/envelope-format.md}.
 */
package dev.sealdrop.keys;
