package dev.sealdrop.envelope;

import dev.sealdrop.keys.PrivateKeys;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * TEST ONLY, run in a forked JVM by {@link BigStreamTest}: seals a pseudo-random stream of the
 * given size (generated on the fly, never stored as plaintext input) into a temporary envelope
 * file, inspects it, opens it with {@link Envelope#openToFile}, and compares the plaintext with
 * the regenerated stream. Prints one line {@code OK <bytes> <fingerprint> seal=<s> inspect=<s> open=<s>}.
 */
public final class BigStreamMain {
  private BigStreamMain() {}

  static final int BLOCK = 1 << 16;
  private static final byte[] POOL = new byte[1 << 20];

  static {
    new SplittableRandom(42).nextBytes(POOL);
  }

  /**
   * Pseudo-random content without a per-byte loop: each 64 KiB block is a slice of a random
   * 1 MiB pool stamped with its block number, so no two chunks are equal.
   */
  static void fill(byte[] buf, long block) {
    System.arraycopy(POOL, (int) ((block * 7) % 16) * BLOCK, buf, 0, BLOCK);
    for (int j = 0; j < 8; j++) {
      buf[j] ^= (byte) (block >>> (8 * j));
    }
  }

  /** Compares the opened file with the regenerated stream (cheaper than hashing both). */
  static boolean sameContent(Path file, long size) throws java.io.IOException {
    byte[] want = new byte[BLOCK];
    byte[] got = new byte[BLOCK];
    try (InputStream in = Files.newInputStream(file)) {
      long block = 0;
      for (long left = size; left > 0; block++) {
        int n = (int) Math.min(BLOCK, left);
        if (in.readNBytes(got, 0, n) != n) {
          return false;
        }
        fill(want, block);
        if (java.util.Arrays.mismatch(want, 0, n, got, 0, n) != -1) {
          return false;
        }
        left -= n;
      }
      return in.read() == -1;
    }
  }

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args[0]);
    Path dir = Files.createTempDirectory(Path.of(args[1]), "sealdrop-big");
    Path envelope = dir.resolve("big.sealed");
    Path opened = dir.resolve("big.out");
    boolean ok;
    try {
      PrivateKeys alice = PrivateKeys.generate();
      PrivateKeys bob = PrivateKeys.generate();
      long t0 = System.nanoTime();
      String fingerprint;
      try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(envelope), 1 << 16)) {
        SealingOutputStream s = Envelope.seal(file, "alice", alice, List.of(bob.publicKeys().encryption()),
            new FileMetadata("big.bin", size, "application/octet-stream", Instant.now()));
        byte[] buf = new byte[BLOCK];
        long block = 0;
        for (long left = size; left > 0; block++) {
          int n = (int) Math.min(buf.length, left);
          fill(buf, block);
          s.write(buf, 0, n);
          left -= n;
        }
        s.close();
        fingerprint = s.fingerprint();
      }
      long t1 = System.nanoTime();
      InspectionResult inspected;
      try (InputStream in = Files.newInputStream(envelope)) {
        inspected = EnvelopeInspector.inspect(in, alice.publicKeys().signing());
      }
      long t2 = System.nanoTime();
      OpenedFile o;
      try (InputStream in = Files.newInputStream(envelope)) {
        o = Envelope.openToFile(in, bob, SenderPolicy.exactly("alice", alice.publicKeys().signing()), opened);
      }
      long t3 = System.nanoTime();
      ok = sameContent(opened, size) && Files.size(opened) == size
          && o.fingerprint().equals(fingerprint) && inspected.fingerprint().equals(fingerprint);
      System.out.printf("%s %d %s seal=%.1fs inspect=%.1fs open=%.1fs maxHeap=%dMiB%n", ok ? "OK" : "MISMATCH", size,
          HexFormat.of().parseHex(fingerprint).length == 32 ? fingerprint : "?", (t1 - t0) / 1e9, (t2 - t1) / 1e9,
          (t3 - t2) / 1e9, Runtime.getRuntime().maxMemory() >> 20);
    } finally {
      Files.deleteIfExists(envelope);
      Files.deleteIfExists(opened);
      Files.deleteIfExists(dir);
    }
    System.exit(ok ? 0 : 1);
  }

}
