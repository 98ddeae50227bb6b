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
 *
 * <p>It warms only the direction the command needs: compiling the other one cost the optimising
 * compiler about half a second of CPU per command (a send compiled AES-GCM's decryption twice, 209
 * and 264 ms, for nothing), on the machine that also runs the transfer.
 */
final class CryptoWarmup {
  /** Which half of AES-GCM a command runs in bulk. */
  enum Direction {
    SEAL,
    OPEN
  }

  private static final int SMALL_ROUNDS = 20_000;
  private static final int LARGE_ROUNDS = 200;

  /** Below this many bytes the warm-up costs more CPU (about a second) than it saves. */
  static final long WORTH_IT_BYTES = 64L << 20;

  private CryptoWarmup() {}

  /** Starts the warm-up if a file of {@code bytes} is about to be sealed or opened and it pays off. */
  static void startFor(long bytes, Direction direction) {
    if (bytes >= WORTH_IT_BYTES && Runtime.getRuntime().availableProcessors() > 1) {
      startInBackground(direction);
    }
  }

  private static void startInBackground(Direction direction) {
    Thread t = new Thread(() -> run(direction), "crypto-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  private static void run(Direction direction) {
    try {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Rounds rounds = new Rounds(new SecretKeySpec(key, "AES"), direction);
      for (int i = 0; i < SMALL_ROUNDS; i++) {
        rounds.next(256);
      }
      for (int i = 0; i < LARGE_ROUNDS; i++) {
        rounds.next(8 * 1024);
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      // a warm-up only: the commands work (more slowly) without it
    }
  }

  /**
   * Encryptions of zero bytes under fresh nonces, or decryptions of one such ciphertext per size
   * (decrypting the same ciphertext again reuses no nonce), each followed by a digest of the ciphertext.
   */
  static final class Rounds {
    private record Sample(byte[] ciphertext, int nonceCounter) {}

    private final SecretKeySpec key;
    private final Direction direction;
    private final Cipher cipher;
    private final MessageDigest sha;
    private final byte[] nonce = new byte[12];
    private final java.util.Map<Integer, Sample> samples = new java.util.HashMap<>();
    private int counter;
    private int done;

    Rounds(SecretKeySpec key, Direction direction) throws GeneralSecurityException {
      this.key = key;
      this.direction = direction;
      // the providers the envelope uses (its Primitives), so that the code warmed is the code that runs
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
      this.sha = MessageDigest.getInstance("SHA-256", "SUN");
    }

    /** One round on {@code size} bytes; returns the ciphertext it made (seal) or opened (open). */
    byte[] next(int size) throws GeneralSecurityException {
      byte[] ciphertext;
      if (direction == Direction.SEAL) {
        ciphertext = encrypt(size).ciphertext();
      } else {
        Sample sample = samples.get(size);
        if (sample == null) {
          sample = encrypt(size);
          samples.put(size, sample);
        }
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonceFor(sample.nonceCounter())));
        cipher.updateAAD(nonce);
        cipher.doFinal(sample.ciphertext()); // throws if it did not authenticate, which would end the warm-up
        ciphertext = sample.ciphertext();
      }
      sha.update(ciphertext);
      if ((++done & 15) == 0) {
        sha.digest();
      }
      return ciphertext;
    }

    private Sample encrypt(int size) throws GeneralSecurityException {
      int n = ++counter;
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonceFor(n)));
      cipher.updateAAD(nonce);
      return new Sample(cipher.doFinal(new byte[size]), n);
    }

    private byte[] nonceFor(int n) {
      nonce[8] = (byte) (n >>> 24);
      nonce[9] = (byte) (n >>> 16);
      nonce[10] = (byte) (n >>> 8);
      nonce[11] = (byte) n;
      return nonce;
    }
  }
}
