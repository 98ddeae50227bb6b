package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.keys.PrivateKeyFile;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.WrongPassphraseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Our private keys at rest: written and read only through {@link PrivateKeyFile}
 * (passphrase KDF + AEAD). The passphrase {@code char[]} is wiped here, in {@code finally}, the
 * moment the file is read or written. A wrong passphrase changes nothing on disk.
 */
public final class KeyStore {
  private final Profile profile;
  private final Passphrases passphrases;

  public KeyStore(Profile profile, Passphrases passphrases) {
    this.profile = Objects.requireNonNull(profile, "profile");
    this.passphrases = Objects.requireNonNull(passphrases, "passphrases");
  }

  /** Encrypts and stores fresh keys (owner-only, atomic). */
  public void store(PrivateKeys keys) throws KeyStoreFailure, UsageFailure, IOException {
    char[] passphrase = passphrases.forNewKeys();
    try {
      PrivateKeyFile.write(profile.privateKeyFile(), keys, passphrase);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    SecureFiles.restrict(profile.privateKeyFile());
  }

  /** Decrypts our keys. The caller destroys them when done. */
  public PrivateKeys unlock() throws KeyStoreFailure, UsageFailure {
    if (!Files.exists(profile.privateKeyFile())) {
      throw new KeyStoreFailure("NO_KEYS", "no private keys in " + profile.dir(),
          "run `sealdrop init` to create a profile with keys");
    }
    char[] passphrase = passphrases.forUnlock(profile.privateKeyFile());
    try {
      return PrivateKeyFile.read(profile.privateKeyFile(), passphrase);
    } catch (WrongPassphraseException e) {
      throw new KeyStoreFailure("WRONG_PASSPHRASE", "wrong passphrase for " + profile.privateKeyFile(),
          "nothing was changed or redeemed; try again with the right passphrase "
              + "(from --passphrase-file, $" + Passphrases.VARIABLE + " or the prompt)", e);
    } catch (NoSuchFileException e) {
      throw new KeyStoreFailure("NO_KEYS", "no private keys in " + profile.dir(), "run `sealdrop init`", e);
    } catch (IOException e) {
      throw new KeyStoreFailure("KEY_FILE_DAMAGED", "cannot read " + profile.privateKeyFile() + ": "
          + e.getMessage(), "restore the file from a backup, or create new keys with `sealdrop init` "
          + "(files sealed for the old keys can then no longer be opened)", e);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }
}
