package dev.sealdrop.bench;

import java.util.Arrays;

/**
 * A contention-robust companion to the JMH run: on a shared machine whose load drifts over
 * minutes, JMH's one-benchmark-after-another order can make a ratio meaningless. This harness
 * alternates the format and its bare-primitive baseline round by round (each round 1 GiB each),
 * so both see the same load, and reports the median of the per-round ratios.
 *
 * <p>{@code java -cp benchmarks.jar dev.sealdrop.bench.PairedRatio [rounds]}
 */
public final class PairedRatio {
  private PairedRatio() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    EnvelopeBenchmark b = new EnvelopeBenchmark();
    b.setup();
    for (int i = 0; i < 3; i++) {
      b.sealEnvelope();
      b.bareAesGcmEncryptPlusSha256();
      b.openEnvelope();
      b.bareSha256PlusAesGcmDecrypt();
      b.inspectEnvelope();
      b.bareSha256();
    }
    double[] seal = new double[rounds];
    double[] open = new double[rounds];
    double[] inspect = new double[rounds];
    double[][] mbps = new double[6][rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      b.sealEnvelope();
      long t1 = System.nanoTime();
      b.bareAesGcmEncryptPlusSha256();
      long t2 = System.nanoTime();
      b.openEnvelope();
      long t3 = System.nanoTime();
      b.bareSha256PlusAesGcmDecrypt();
      long t4 = System.nanoTime();
      b.inspectEnvelope();
      long t5 = System.nanoTime();
      b.bareSha256();
      long t6 = System.nanoTime();
      seal[r] = (double) (t2 - t1) / (t1 - t0);
      open[r] = (double) (t4 - t3) / (t3 - t2);
      inspect[r] = (double) (t6 - t5) / (t5 - t4);
      long[] d = {t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5};
      for (int k = 0; k < 6; k++) {
        mbps[k][r] = EnvelopeBenchmark.SIZE / (d[k] / 1e9) / 1e6;
      }
    }
    String[] names = {"seal", "bare AES-GCM enc + SHA-256", "open", "bare SHA-256 + AES-GCM dec", "inspect",
        "bare SHA-256"};
    for (int k = 0; k < 6; k++) {
      System.out.printf("%-28s median %6.0f MB/s  (min %6.0f, max %6.0f)%n", names[k], median(mbps[k]),
          Arrays.stream(mbps[k]).min().orElse(0), Arrays.stream(mbps[k]).max().orElse(0));
    }
    System.out.printf("ratio seal/bare    median %.3f  (rounds: %s)%n", median(seal), fmt(seal));
    System.out.printf("ratio open/bare    median %.3f  (rounds: %s)%n", median(open), fmt(open));
    System.out.printf("ratio inspect/bare median %.3f  (rounds: %s)%n", median(inspect), fmt(inspect));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String fmt(double[] v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) {
      sb.append(String.format("%.2f ", d));
    }
    return sb.toString().trim();
  }
}
