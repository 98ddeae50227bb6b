import java.security.MessageDigest;
import java.security.Provider;
import java.security.Security;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Experiment (bench/experiments/native-crypto.sh): the envelope's per-chunk work, 64 KiB AES-256-GCM
 * plus a SHA-256 of each ciphertext, timed in a fresh JVM from its first call, with the JDK's
 * providers or Conscrypt's (BoringSSL). Arguments: MODE (aead | sha), PROVIDER (jdk | conscrypt),
 * CHUNKS (per round), ROUNDS. Prints one line per round. Measures only; not product code.
 */
public final class ColdCrypto {
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    boolean conscrypt = args[1].equals("conscrypt");
    int chunks = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    long start = System.nanoTime();
    if (conscrypt) {
      Security.addProvider((Provider) Class.forName("org.conscrypt.OpenSSLProvider").getConstructor().newInstance());
    }
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", conscrypt ? "Conscrypt" : "SunJCE");
    MessageDigest sha = MessageDigest.getInstance("SHA-256", conscrypt ? "Conscrypt" : "SUN");
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    byte[] in = new byte[64 * 1024];
    byte[] out = new byte[in.length + 16];
    byte[] nonce = new byte[12];
    long counter = 0;
    for (int r = 1; r <= rounds; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < chunks; i++) {
        if (mode.equals("aead")) {
          counter++;
          for (int b = 0; b < 8; b++) {
            nonce[b] = (byte) (counter >>> (8 * b));
          }
          cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
          cipher.updateAAD(nonce);
          cipher.doFinal(in, 0, in.length, out, 0);
        } else {
          sha.update(out);
          sha.digest();
        }
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      System.out.printf("%s %s round %d: %d MiB in %.0f ms (%.0f MB/s)%s%n", mode, args[1], r, chunks / 16, ms,
          chunks * 65536.0 / ms / 1e3, r == 1 ? String.format(" (JVM-relative start %.0f ms earlier)",
              (t0 - start) / 1e6) : "");
    }
  }
}
