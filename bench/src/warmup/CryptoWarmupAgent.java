import java.lang.instrument.Instrumentation;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * An experiment, not a product part: a java agent ({@code -javaagent:bench/out/crypto-warmup.jar})
 * that shows what a JIT warm-up of the JDK's AES-GCM and SHA-256 buys a short-lived CLI JVM.
 *
 * <p>Why: HotSpot swaps in the CLMUL/AES-NI/SHA-NI stubs (GHASH.processBlocks, CounterMode.implCrypt,
 * SHA2.implCompress) only inside C2-compiled callers. The envelope makes one {@code doFinal} per
 * 64 KiB chunk: 16,384 calls per GiB, so its callers reach C2's invocation thresholds only after
 * hundreds of MiB, and until then every byte goes through the pure-Java fallback, 15–20x slower.
 * Here a daemon thread runs ~20,000 tiny encryptions, decryptions and digests under a throwaway
 * random key at JVM start, on the second core, while the main thread starts picocli, loads
 * classes and runs the passphrase KDF. No secret is involved; nothing it computes is kept.
 */
public final class CryptoWarmupAgent {
  private CryptoWarmupAgent() {}

  public static void premain(String args, Instrumentation inst) {
    Thread t = new Thread(CryptoWarmupAgent::warm, "crypto-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  static void warm() {
    try {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      SecretKeySpec k = new SecretKeySpec(key, "AES");
      Cipher enc = Cipher.getInstance("AES/GCM/NoPadding");
      Cipher dec = Cipher.getInstance("AES/GCM/NoPadding");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] plain = new byte[256];
      byte[] sealed = new byte[plain.length + 16];
      byte[] opened = new byte[plain.length];
      byte[] aad = new byte[32];
      byte[] nonce = new byte[12];
      for (int i = 0; i < 20_000; i++) {
        nonce[8] = (byte) (i >>> 24); // a fresh nonce per encryption, even under a throwaway key
        nonce[9] = (byte) (i >>> 16);
        nonce[10] = (byte) (i >>> 8);
        nonce[11] = (byte) i;
        enc.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(128, nonce));
        enc.updateAAD(aad);
        enc.doFinal(plain, 0, plain.length, sealed, 0);
        dec.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(128, nonce));
        dec.updateAAD(aad);
        dec.doFinal(sealed, 0, sealed.length, opened, 0);
        sha.update(sealed, 0, sealed.length);
        if ((i & 15) == 0) {
          sha.digest();
        }
      }
    } catch (Exception e) {
      System.err.println("crypto-warmup: skipped (" + e + ")");
    }
  }
}
