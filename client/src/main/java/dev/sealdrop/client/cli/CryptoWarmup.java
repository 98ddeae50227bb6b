package dev.sealdrop.client.cli;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JDK's AES-GCM and SHA-256 compiled before the first chunk of a file needs them.
 *
 * <p>HotSpot runs the AES-NI/CLMUL/SHA-NI code only inside JIT-compiled callers. The envelope makes
 * one {@code doFinal} per 64 KiB chunk, so in a short-lived CLI JVM its callers reach the compile
 * thresholds only after hundreds of MiB, and until then every byte takes the pure-Java path, 15–20×
 * slower (docs/benchmarks.md, "Where the time goes"). Commands that seal or open a large file therefore
 * start this daemon thread as soon as they know the size: it runs many small encryptions, decryptions and digests under a
 * throwaway random key on the second core while the main thread parses options, loads classes and
 * runs the passphrase KDF. No secret is involved and nothing it computes is kept or used.
 */
final class CryptoWarmup {
  private static final int SMALL_ROUNDS = 20_000;
  private static final int LARGE_ROUNDS = 200;

  /** Below this many bytes the warm-up costs more CPU (about a second) than it saves. */
  static final long WORTH_IT_BYTES = 64L << 20;

  private CryptoWarmup() {}

  /** Starts the warm-up if a file of {@code bytes} is about to be sealed or opened and it pays off. */
  static void startFor(long bytes) {
    if (bytes >= WORTH_IT_BYTES && Runtime.getRuntime().availableProcessors() > 1) {
      startInBackground();
    }
  }

  private static void startInBackground() {
    Thread t = new Thread(CryptoWarmup::run, "crypto-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private static void run() {
    try {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      SecretKeySpec k = new SecretKeySpec(key, "AES");
      Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
      Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] nonce = new byte[12];
      int counter = 0;
      for (int i = 0; i < SMALL_ROUNDS; i++) {
        round(enc, dec, sha, k, nonce, counter++, 256);
      }
      for (int i = 0; i < LARGE_ROUNDS; i++) {
        round(enc, dec, sha, k, nonce, counter++, 8 * 1024);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      // a warm-up only: the commands work (more slowly) without it
    }
  }

  /** One encryption, decryption and digest of {@code size} zero bytes under a fresh nonce. */
  private static void round(Cipher enc, Cipher dec, MessageDigest sha, SecretKeySpec k, byte[] nonce, int counter,
      int size) throws GeneralSecurityException {
    nonce[8] = (byte) (counter >>> 24);
    nonce[9] = (byte) (counter >>> 16);
    nonce[10] = (byte) (counter >>> 8);
    nonce[11] = (byte) counter;
    byte[] plain = new byte[size];
    enc.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, nonce));
    enc.updateAAD(nonce);
    byte[] sealed = enc.doFinal(plain);
    dec.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, nonce));
    dec.updateAAD(nonce);
    dec.doFinal(sealed);
    sha.update(sealed);
    if ((counter & 15) == 0) {
      sha.digest();
    }
  }
}
