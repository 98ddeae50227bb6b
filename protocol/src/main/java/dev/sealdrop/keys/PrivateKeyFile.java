package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.AtomicFiles;
import dev.sealdrop.keys.internal.ByteReader;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.KeyInternals;
import dev.sealdrop.keys.internal.KeyMaterial;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.SCrypt;

/**
 * Private keys at rest, encrypted under a passphrase: scrypt (N=2^17, r=8, p=1) then
 * AES-256-GCM, in the 136-byte format of spec §"Private key file". Written atomically with
 * owner-only permissions.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "the key file path is chosen by the local user")
public final class PrivateKeyFile {
  private PrivateKeyFile() {}

  static final int KDF_SCRYPT = 1;
  /** The most memory a key file may ask scrypt for (128 r 2^log2 N bytes); this writer asks for 128 MiB. */
  static final long MAX_KDF_MEMORY = 256L << 20;
  static final int LOG2_N = 17;
  static final int R = 8;
  static final int P = 1;
  static final int SALT_BYTES = 32;
  /** Total file length: magic 8, kdf 4, salt 32, nonce 12, ciphertext 64 + tag 16. */
  static final int FILE_BYTES = 8 + 4 + SALT_BYTES + 12 + KeyMaterial.ENCODED_BYTES + 16;

  public static void write(Path file, PrivateKeys keys, char[] passphrase) throws IOException {
    write(file, keys, passphrase, LOG2_N);
  }

  /** TEST ONLY: writes with a cheaper scrypt cost (readers accept log2 N >= 14) so tests stay fast. */
  static void testOnlyWriteWithCost(Path file, PrivateKeys keys, char[] passphrase, int log2n) throws IOException {
    write(file, keys, passphrase, log2n);
  }

  private static void write(Path file, PrivateKeys keys, char[] passphrase, int log2n) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(passphrase, "passphrase");
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[SALT_BYTES];
    byte[] nonce = new byte[12];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    byte[] prefix = new ByteWriter().bytes(Labels.ascii(Labels.KEY_FILE_MAGIC))
        .u8(KDF_SCRYPT).u8(log2n).u8(R).u8(P).bytes(salt).bytes(nonce).toByteArray();
    byte[] secret = KeyInternals.material(keys).encoded();
    byte[] key = derive(passphrase, salt, log2n, R, P);
    byte[] out;
    try {
      Cipher c = Primitives.aesGcm();
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(prefix);
      out = new ByteWriter().bytes(prefix).bytes(c.doFinal(secret)).toByteArray();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: key file encryption failed", e);
    } finally {
      Arrays.fill(secret, (byte) 0);
      Arrays.fill(key, (byte) 0);
    }
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = AtomicFiles.createTemp(dir, ".sealdrop-key-");
    try {
      try (OutputStream os = Files.newOutputStream(tmp)) {
        os.write(out);
      }
      AtomicFiles.fsync(tmp);
      AtomicFiles.replace(tmp, file);
    } catch (IOException | RuntimeException e) {
      AtomicFiles.deleteQuietly(tmp);
      throw e;
    }
  }

  public static PrivateKeys read(Path file, char[] passphrase) throws IOException, WrongPassphraseException {
    Objects.requireNonNull(passphrase, "passphrase");
    if (Files.size(file) != FILE_BYTES) {
      throw new IOException(file + " is not a sealdrop private key file (wrong length)");
    }
    byte[] all = Files.readAllBytes(file);
    byte[] key = null;
    byte[] secret = null;
    try {
      ByteReader r = new ByteReader(all);
      if (!Arrays.equals(r.bytes(8, "magic"), Labels.ascii(Labels.KEY_FILE_MAGIC))) {
        throw new IOException(file + " is not a sealdrop private key file (bad magic)");
      }
      int kdf = r.u8("kdf");
      int log2n = r.u8("scrypt log2 N");
      int rr = r.u8("scrypt r");
      int p = r.u8("scrypt p");
      if (kdf != KDF_SCRYPT || log2n < 14 || log2n > 20 || rr < 1 || rr > 16 || p < 1 || p > 4) {
        throw new IOException(file + ": unsupported key derivation parameters");
      }
      long memory = 128L * rr << log2n; // what scrypt holds at once
      if (memory > MAX_KDF_MEMORY) {
        throw new IOException(file + ": unsupported key derivation parameters: scrypt would need " + (memory >> 20)
            + " MiB of memory (log2 N " + log2n + ", r " + rr + "); at most " + (MAX_KDF_MEMORY >> 20)
            + " MiB is accepted");
      }
      byte[] salt = r.bytes(SALT_BYTES, "salt");
      byte[] nonce = r.bytes(12, "nonce");
      int prefixLen = r.position();
      byte[] ct = r.bytes(r.remaining(), "ciphertext");
      key = derive(passphrase, salt, log2n, rr, p);
      Cipher c = Primitives.aesGcm();
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
      c.updateAAD(all, 0, prefixLen);
      secret = c.doFinal(ct);
      return PrivateKeys.fromBytes(secret, SecretAccess.insecure());
    } catch (AEADBadTagException e) {
      throw new WrongPassphraseException();
    } catch (FormatException | KeyFormatException e) {
      throw new IOException(file + " is not a sealdrop private key file: " + e.getMessage());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("envelope: internal error: key file decryption failed", e);
    } finally {
      Arrays.fill(all, (byte) 0);
      if (key != null) {
        Arrays.fill(key, (byte) 0);
      }
      if (secret != null) {
        Arrays.fill(secret, (byte) 0);
      }
    }
  }

  private static byte[] derive(char[] passphrase, byte[] salt, int log2n, int r, int p) {
    ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
    byte[] pw = new byte[bb.remaining()];
    bb.get(pw);
    Arrays.fill(bb.array(), (byte) 0);
    try {
      return SCrypt.generate(pw, salt, 1 << log2n, r, p, 32);
    } finally {
      Arrays.fill(pw, (byte) 0);
    }
  }
}
