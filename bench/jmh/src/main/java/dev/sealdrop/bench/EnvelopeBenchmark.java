package dev.sealdrop.bench;

import dev.sealdrop.envelope.EnvelopeInspector;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.InspectionResult;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.envelope.internal.Opener;
import dev.sealdrop.keys.PrivateKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seal, open and inspect a 1 GiB stream, beside the bare cost of the same primitives in the same
 * run: the JDK's AES-256-GCM and SHA-256 over 64 KiB chunks, one pass each, single thread.
 * One operation = 1 GiB; throughput in MB/s = 1073.74 / score. See docs/benchmarks.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "-Xms3g"})
public class EnvelopeBenchmark {
  static final int CHUNK = 64 * 1024;
  static final long SIZE = 1L << 30;
  static final int CHUNKS = (int) (SIZE / CHUNK);

  PrivateKeys alice;
  PrivateKeys bob;
  SenderPolicy trust;
  byte[] plain;
  byte[] sealed;
  byte[] readBuffer;
  SecretKeySpec key;
  byte[] ciphertextChunk;
  byte[] out;

  @Setup
  public void setup() throws IOException, GeneralSecurityException {
    alice = PrivateKeys.generate();
    bob = PrivateKeys.generate();
    trust = SenderPolicy.exactly("alice", alice.publicKeys().signing());
    plain = new byte[CHUNK];
    new Random(1).nextBytes(plain);
    ByteArrayOutputStream bos = new ByteArrayOutputStream((int) (SIZE + SIZE / 4096 + 8192));
    seal(bos);
    sealed = bos.toByteArray();
    key = new SecretKeySpec(new byte[32], "AES");
    out = new byte[CHUNK + 16];
    ciphertextChunk = new byte[CHUNK + 16];
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, new byte[12]));
    c.doFinal(plain, 0, CHUNK, ciphertextChunk, 0);
  }

  private String seal(OutputStream sink) throws IOException {
    SealingOutputStream s = Envelope.seal(sink, "alice", alice, List.of(bob.publicKeys().encryption()),
        new FileMetadata("bench.bin", SIZE, "application/octet-stream", Instant.EPOCH));
    for (int i = 0; i < CHUNKS; i++) {
      s.write(plain, 0, CHUNK);
    }
    s.close();
    return s.fingerprint();
  }

  /** The envelope: encrypt, hash, sign; output discarded. */
  @Benchmark
  public String sealEnvelope() throws IOException {
    return seal(OutputStream.nullOutputStream());
  }

  /** The envelope: frame, hash, decrypt, verify the signature; plaintext discarded. */
  @Benchmark
  public String openEnvelope() throws IOException {
    return Opener.open(new ByteArrayInputStream(sealed), bob, trust, OutputStream.nullOutputStream(), null)
        .fingerprint();
  }

  /** The server's keyless check: frame, hash, verify the signature. */
  @Benchmark
  public InspectionResult inspectEnvelope() throws IOException {
    return EnvelopeInspector.inspect(new ByteArrayInputStream(sealed), alice.publicKeys().signing());
  }

  /** Baseline for sealing: AES-256-GCM then SHA-256 of each 64 KiB chunk, one pass each. */
  @Benchmark
  public byte[] bareAesGcmEncryptPlusSha256() throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    MessageDigest md = MessageDigest.getInstance("SHA-256", "SUN");
    byte[] iv = new byte[12];
    byte[] h = null;
    for (int i = 0; i < CHUNKS; i++) {
      iv[8] = (byte) (i >>> 24);
      iv[9] = (byte) (i >>> 16);
      iv[10] = (byte) (i >>> 8);
      iv[11] = (byte) i;
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      int n = c.doFinal(plain, 0, CHUNK, out, 0);
      md.update(out, 0, n);
      h = md.digest();
    }
    return h;
  }

  /** Baseline for opening: SHA-256 then AES-256-GCM decryption of each 64 KiB chunk. */
  @Benchmark
  public byte[] bareSha256PlusAesGcmDecrypt() throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    MessageDigest md = MessageDigest.getInstance("SHA-256", "SUN");
    byte[] iv = new byte[12];
    byte[] h = null;
    for (int i = 0; i < CHUNKS; i++) {
      md.update(ciphertextChunk);
      h = md.digest();
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
      c.doFinal(ciphertextChunk, 0, ciphertextChunk.length, out, 0);
    }
    return h;
  }

  /** Component: AES-256-GCM alone. */
  @Benchmark
  public int bareAesGcmEncrypt() throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding", "SunJCE");
    byte[] iv = new byte[12];
    int n = 0;
    for (int i = 0; i < CHUNKS; i++) {
      iv[8] = (byte) (i >>> 24);
      iv[9] = (byte) (i >>> 16);
      iv[10] = (byte) (i >>> 8);
      iv[11] = (byte) i;
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
      n += c.doFinal(plain, 0, CHUNK, out, 0);
    }
    return n;
  }

  /** Component: SHA-256 alone. */
  @Benchmark
  public byte[] bareSha256() throws GeneralSecurityException {
    MessageDigest md = MessageDigest.getInstance("SHA-256", "SUN");
    byte[] h = null;
    for (int i = 0; i < CHUNKS; i++) {
      md.update(ciphertextChunk);
      h = md.digest();
    }
    return h;
  }
}
