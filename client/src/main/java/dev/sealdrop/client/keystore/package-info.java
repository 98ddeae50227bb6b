/**
 * The profile folder ({@code --home}, {@code SEALDROP_HOME}, {@code ~/.sealdrop}): its layout, the
 * owner-only files in it, the passphrase sources, and the passphrase-encrypted private keys
 * (through the protocol module's {@code PrivateKeyFile}).
 *
 * <p>Not the place for trust decisions about other identities ({@code trust}). Invariants:
 * folders 0700, files 0600, written atomically; passphrases are {@code char[]} wiped after use
 * and never accepted as a command-line value.
 */
package dev.sealdrop.client.keystore;
