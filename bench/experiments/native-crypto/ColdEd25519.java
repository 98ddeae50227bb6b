import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Experiment (bench/experiments/native-crypto.sh): Bouncy Castle's Ed25519 signing (what the audit
 * log's checkpoints use) from a fresh JVM's first call: the time to the first signature, then the
 * average per signature over the following ranges. Measures only; not product code.
 */
public final class ColdEd25519 {
  public static void main(String[] args) {
    byte[] seed = new byte[32];
    byte[] message = new byte[128];
    int[] marks = {1, 11, 51, 201, 1001, 3001};
    long start = System.nanoTime();
    long previous = start;
    int done = 0;
    for (int mark : marks) {
      for (; done < mark; done++) {
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
        message[0] = (byte) done;
        signer.update(message, 0, message.length);
        signer.generateSignature();
      }
      long now = System.nanoTime();
      System.out.printf("ed25519 signatures up to %d: %.3f ms each%n", mark,
          (now - previous) / 1e6 / (mark == 1 ? 1 : mark - (marks[indexOf(marks, mark) - 1])));
      previous = now;
    }
  }

  private static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
