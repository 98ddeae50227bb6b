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

  /** What {@link #store} runs under the profile's lock, before and after the keys are written. */
  public interface ProfileStep {
    void run() throws UsageFailure, IOException;
  }

  /**
   * Encrypts and stores fresh keys (owner-only, atomic). The profile's folders are created only once
   * the passphrase is in hand, so that a missing, empty or mistyped one leaves no trace. {@code before} (a check of
   * the profile's state) and {@code after} (the profile's other files) run with the keys' write under the profile's
   * lock ({@link ProfileLock}): two runs at once each see the other's profile whole, or not at all (round AD: two
   * {@code init}s into one new folder both succeeded, one's keys beside the other's bundle).
   */
  public int store(PrivateKeys keys, ProfileStep before, ProfileStep after)
      throws KeyStoreFailure, UsageFailure, IOException {
    char[] passphrase = passphrases.forNewKeys();
    int characters = Character.codePointCount(passphrase, 0, passphrase.length);
    try {
      profile.createLayout();
      try (ProfileLock lock = ProfileLock.take(profile)) {
        before.run();
        PrivateKeyFile.write(profile.privateKeyFile(), keys, passphrase);
        SecureFiles.restrict(profile.privateKeyFile());
        after.run();
      }
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    return characters;
  }

  /** Decrypts our keys. The caller destroys them when done. */
  public PrivateKeys unlock() throws KeyStoreFailure, UsageFailure {
    char[] passphrase = passphrase();
    return decrypt(passphrase, passphrases.byteOrderMarkDropped());
  }

  /**
   * Asks for the passphrase now (the prompt, if any, stays on this thread) and runs the deliberately
   * slow key derivation on a background thread, so that the caller can meanwhile do work that needs
   * no private key, such as opening the TLS connection. {@link Unlocking#await} returns the keys.
   */
  public Unlocking unlockInBackground() throws KeyStoreFailure, UsageFailure {
    char[] passphrase = passphrase();
    boolean byteOrderMarkDropped = passphrases.byteOrderMarkDropped();
    return Unlocking.start(() -> decrypt(passphrase, byteOrderMarkDropped));
  }

  /** The key derivation and decryption an {@link Unlocking} runs. */
  @FunctionalInterface
  interface Decryption {
    PrivateKeys run() throws KeyStoreFailure;
  }

  /** Keys being unlocked on a background thread. */
  public static final class Unlocking {
    private final java.util.concurrent.CompletableFuture<PrivateKeys> keys =
        new java.util.concurrent.CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();

    private Unlocking() {}

    /** Runs {@code decryption} on a new daemon thread. */
    static Unlocking start(Decryption decryption) {
      Unlocking u = new Unlocking();
      Thread t = new Thread(() -> u.finish(decryption), "key-unlock");
      t.setDaemon(true);
      t.start();
      return u;
    }

    private void finish(Decryption decryption) {
      try {
        PrivateKeys k = decryption.run();
        keys.complete(k);
        if (abandoned.get()) {
          k.destroy();
        }
      } catch (KeyStoreFailure | RuntimeException | Error e) {
        // an Error too (round AR: scrypt's memory on a small heap): uncaught, it ended this thread with a stack trace
        // and left the command waiting in await() for ever; the caller's thread reports it as its own
        keys.completeExceptionally(e);
      }
    }

    /** The keys (the caller destroys them), or why they could not be unlocked. */
    public PrivateKeys await() throws KeyStoreFailure {
      try {
        return keys.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandon();
        throw new KeyStoreFailure("UNLOCK_INTERRUPTED", "interrupted while unlocking the keys", "run the command again",
            e);
      } catch (java.util.concurrent.ExecutionException e) {
        if (e.getCause() instanceof KeyStoreFailure f) {
          throw f;
        }
        if (e.getCause() instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) e.getCause();
      }
    }

    /** The caller will not use the keys: they are destroyed as soon as they exist. */
    public void abandon() {
      abandoned.set(true);
      keys.thenAccept(PrivateKeys::destroy);
    }
  }

  /**
   * The profile's key file is gone. Restoring it is the way back: {@code init --force} makes new keys, and the
   * files sealed for the old ones could no longer be opened (outside test: the hint said only "run init").
   */
  private KeyStoreFailure noKeys(Exception cause) {
    return new KeyStoreFailure("NO_KEYS", "no private keys in " + profile.dir() + " (" + profile.privateKeyFile()
        + " is missing)", "restore " + profile.privateKeyFile().getFileName() + " into " + profile.privateKeyFile()
        .getParent() + " from a backup of the profile: files sealed for you can be opened only with those keys. If"
        + " there is no backup, `sealdrop init --force` (with your --cert, --key and --ca) makes new keys; files"
        + " sealed for the old ones are lost to you, and senders must accept your new key", cause);
  }

  private char[] passphrase() throws KeyStoreFailure, UsageFailure {
    if (!Files.exists(profile.privateKeyFile())) {
      throw noKeys(null);
    }
    return passphrases.forUnlock(profile.privateKeyFile());
  }

  /**
   * Reads the key file with {@code passphrase}, which is wiped afterwards whatever happens. If it is
   * wrong and came from a passphrase file whose byte-order mark was dropped, tries once more with the
   * mark in front: key files created from such a file before the mark was dropped are locked with
   * it. Only then, so the slow key derivation runs twice only for a wrong passphrase from such a file.
   */
  private PrivateKeys decrypt(char[] passphrase, boolean byteOrderMarkDropped) throws KeyStoreFailure {
    try {
      try {
        return PrivateKeyFile.read(profile.privateKeyFile(), passphrase);
      } catch (WrongPassphraseException e) {
        if (!byteOrderMarkDropped) {
          throw e;
        }
        char[] withMark = Passphrases.withByteOrderMark(passphrase);
        try {
          return PrivateKeyFile.read(profile.privateKeyFile(), withMark);
        } finally {
          Arrays.fill(withMark, '\0');
        }
      }
    } catch (WrongPassphraseException e) {
      throw new KeyStoreFailure("WRONG_PASSPHRASE", "wrong passphrase for " + profile.privateKeyFile(),
          "nothing was changed, sent or redeemed; try again with the right passphrase "
              + "(from --passphrase-file, $" + Passphrases.VARIABLE + " or the prompt). If you are sure of it, the key"
              + " file may be damaged: its encryption cannot tell a changed byte from a wrong passphrase; restore it"
              + " from a backup of the profile", e);
    } catch (NoSuchFileException e) {
      throw noKeys(e);
    } catch (java.nio.file.AccessDeniedException e) {
      // not damaged: readable by someone else (another user's profile, a file copied as root); restoring it would
      // not help, and creating new keys would lose the old ones
      throw new KeyStoreFailure("KEY_FILE_UNREADABLE", "cannot read " + profile.privateKeyFile() + ": permission denied",
          "check the file's owner and permissions (`ls -l`): a profile's files must be yours, mode 600; nothing was"
              + " changed", e);
    } catch (IOException e) {
      throw new KeyStoreFailure("KEY_FILE_DAMAGED", "cannot read " + profile.privateKeyFile() + ": "
          + e.getMessage(), "restore the file from a backup, or create new keys with `sealdrop init --force`"
          + " (with the same --server, --cert, --key and --ca; files sealed for the old keys can then no longer be"
          + " opened, and those who pinned your key must accept the new one)", e);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
  }
}
