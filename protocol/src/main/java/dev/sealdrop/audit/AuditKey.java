package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.KeyFiles;
import dev.sealdrop.audit.internal.Labels;
import dev.sealdrop.audit.internal.Text;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.security.auth.Destroyable;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The server's Ed25519 audit signing key: separate from the TLS key, used only to sign
 * checkpoints. Its private half never leaves this class except into its own key file.
 *
 * <p>Key file: one line {@code PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>}
 * (the signed-note private-key convention), created atomically with owner-only permissions.
 * Loading refuses a file that group or others can read, as OpenSSH does.
 */
public final class AuditKey implements Destroyable {
  /** Whether {@link #warmUpSigningInBackground} ran in this JVM. */
  private static final AtomicBoolean WARMED = new AtomicBoolean();

  private final byte[] seed;
  private final AuditPublicKey publicKey;
  private volatile boolean destroyed;

  private AuditKey(String name, byte[] seed) {
    this.seed = seed;
    Ed25519PrivateKeyParameters p = new Ed25519PrivateKeyParameters(seed, 0);
    this.publicKey = AuditPublicKey.of(name, p.generatePublicKey().getEncoded());
  }

  /** A fresh random key named {@code name} (a signed-note key name, usually the log's origin). */
  public static AuditKey generate(String name) {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    return new AuditKey(checkName(name), seed);
  }

  /**
   * Test vectors only: a key derived from a fixed seed. Never use a guessable seed for a real log.
   */
  public static AuditKey testOnlyFromSeed(String name, byte[] seed) {
    if (seed == null || seed.length != 32) {
      throw new IllegalArgumentException("audit key: seed must be 32 bytes");
    }
    return new AuditKey(checkName(name), seed.clone());
  }

  /**
   * Loads the key in {@code file}; if the file does not exist, generates a key named {@code name}
   * and writes it there (owner-only permissions, atomic). An existing key with another name is
   * refused: the name is part of every checkpoint signature.
   */
  public static AuditKey loadOrGenerate(Path file, String name) throws IOException {
    checkName(name);
    if (!Files.exists(file)) {
      AuditKey key = generate(name);
      KeyFiles.writeOwnerOnly(file, key.fileText());
      return key;
    }
    AuditKey key = load(file);
    if (!key.publicKey.name().equals(name)) {
      // round AQ: "move the file aside" alone led to the next refusal (a log without its key)
      throw new IOException("audit key file " + file + " holds the key of the log named '" + key.publicKey.name()
          + "', not '" + name + "': set the log's origin back to '" + key.publicKey.name() + "' (a sealdrop server's"
          + " audit-origin setting), or start a new log by moving aside both this key and the log it signs ("
          + file.resolveSibling("audit.jsonl").getFileName() + " beside it)");
    }
    return key;
  }

  /** Loads an existing key file; refuses group/other-readable files and malformed content. */
  public static AuditKey load(Path file) throws IOException {
    String text = KeyFiles.readOwnerOnly(file);
    String line = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    if (!line.startsWith(Labels.PRIVATE_KEY_PREFIX)) {
      throw new IOException("audit key file " + file + " is not an audit private key (expected PRIVATE+KEY+...)");
    }
    String[] parts = line.substring(Labels.PRIVATE_KEY_PREFIX.length()).split("\\+", 3); // base64 may itself contain "+"
    byte[] decoded = null;
    try {
      if (parts.length != 3 || !Text.isNoteName(parts[0]) || parts[1].length() != 8) {
        throw new IOException("audit key file " + file + " is malformed (expected PRIVATE+KEY+NAME+KEYID+KEY)");
      }
      decoded = Base64.getDecoder().decode(parts[2]);
      if (decoded.length != 33 || decoded[0] != Labels.ED25519_ALGORITHM) {
        throw new IOException("audit key file " + file + " does not hold an Ed25519 key");
      }
      AuditKey key = new AuditKey(parts[0], Arrays.copyOfRange(decoded, 1, 33));
      if (!key.publicKey.keyIdHex().equals(parts[1])) {
        throw new IOException("audit key file " + file + " is corrupted: key id does not match the key");
      }
      return key;
    } catch (IllegalArgumentException e) {
      throw new IOException("audit key file " + file + " is malformed: " + e.getMessage(), e);
    } finally {
      if (decoded != null) {
        Arrays.fill(decoded, (byte) 0);
      }
    }
  }

  /** The verification key, safe to publish. */
  public AuditPublicKey publicKey() {
    return publicKey;
  }

  /**
   * Gets Ed25519 signing compiled before a busy moment needs it, on a daemon thread (once per JVM):
   * a throwaway random key signs a few thousand messages, and nothing is kept. A server that hands
   * every response a checkpoint signed for it would otherwise sign its first bursts in the
   * interpreter (about 3 ms a signature after the first 100 ms, against 0.15 ms compiled), under the
   * log's lock. Speed only: signatures are the same either way.
   */
  public static void warmUpSigningInBackground() {
    if (!WARMED.compareAndSet(false, true)) {
      return;
    }
    Thread t = new Thread(() -> {
      AuditKey throwaway = generate("warm-up");
      byte[] message = new byte[128];
      for (int i = 0; i < 3000; i++) {
        message[0] = (byte) i;
        throwaway.sign(message);
      }
      throwaway.destroy();
    }, "audit-signing-warmup");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  /** Signs exact bytes (a checkpoint note body). */
  byte[] sign(byte[] message) {
    if (destroyed) {
      throw new IllegalStateException("audit: internal error: audit key used after destroy()");
    }
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, new Ed25519PrivateKeyParameters(seed, 0));
    signer.update(message, 0, message.length);
    return signer.generateSignature();
  }

  private String fileText() {
    byte[] withAlg = new byte[33];
    withAlg[0] = Labels.ED25519_ALGORITHM;
    System.arraycopy(seed, 0, withAlg, 1, 32);
    try {
      return Labels.PRIVATE_KEY_PREFIX + publicKey.name() + "+" + publicKey.keyIdHex() + "+"
          + Base64.getEncoder().encodeToString(withAlg) + "\n";
    } finally {
      Arrays.fill(withAlg, (byte) 0);
    }
  }

  private static String checkName(String name) {
    if (!Text.isNoteName(name)) {
      throw new IllegalArgumentException("audit key: name must be 1..200 printable ASCII characters without space or '+'");
    }
    return name;
  }

  @Override
  public void destroy() {
    Arrays.fill(seed, (byte) 0);
    destroyed = true;
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "AuditKey[%s, private part redacted]", publicKey.encoded());
  }

}
