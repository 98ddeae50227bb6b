package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.Labels;
import dev.sealdrop.audit.internal.RecordEncoding;
import dev.sealdrop.audit.internal.Text;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The audit log's Ed25519 verification key, with its signed-note name and key id.
 *
 * <p>Text form ({@link #encoded()}, {@link #parse(String)}) is the signed-note verifier key:
 * {@code <name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>}, as used by the Go
 * {@code golang.org/x/mod/sumdb/note} package and C2SP signed-note. The key id is the first four
 * bytes of SHA-256(name || 0x0A || 0x01 || public key), big-endian.
 */
public final class AuditPublicKey {
  private final String name;
  private final byte[] key;
  private final int keyId;

  private AuditPublicKey(String name, byte[] key) {
    this.name = name;
    this.key = key;
    this.keyId = keyId(name, key);
  }

  /** Wraps a raw 32-byte Ed25519 public key under a signed-note key name. */
  public static AuditPublicKey of(String name, byte[] rawKey) {
    if (!Text.isNoteName(name)) {
      throw new IllegalArgumentException("audit key: name must be 1..200 printable ASCII characters without space or '+'");
    }
    if (rawKey == null || rawKey.length != Ed25519PublicKeyParameters.KEY_SIZE) {
      throw new IllegalArgumentException("audit key: an Ed25519 public key is 32 bytes");
    }
    if (!org.bouncycastle.math.ec.rfc8032.Ed25519.validatePublicKeyFull(rawKey, 0)) {
      // review DZ: such bytes passed, and the first signature check threw (audit verify: "internal error")
      throw new IllegalArgumentException("audit key: the 32 bytes are not a valid Ed25519 public key (no point of the"
          + " curve, or one of small order)");
    }
    return new AuditPublicKey(name, rawKey.clone());
  }

  /** Parses the verifier-key text form; rejects a wrong key id, algorithm or length. */
  public static AuditPublicKey parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("audit key: no key given");
    }
    String t = text.strip();
    String[] parts = t.split("\\+", 3); // base64 may itself contain "+"
    if (parts.length != 3 || parts[1].length() != 8) {
      throw new IllegalArgumentException("audit key: expected NAME+KEYID+BASE64KEY (a signed-note verifier key)");
    }
    byte[] decoded;
    int declaredId;
    try {
      declaredId = Integer.parseUnsignedInt(parts[1], 16);
      decoded = Base64.getDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("audit key: key id or key is not valid hex/base64", e);
    }
    if (decoded.length != 33 || decoded[0] != Labels.ED25519_ALGORITHM) {
      throw new IllegalArgumentException("audit key: not an Ed25519 (algorithm 0x01) signed-note key");
    }
    AuditPublicKey k = of(parts[0], Arrays.copyOfRange(decoded, 1, 33));
    if (k.keyId == declaredId && !parts[1].equals(parts[1].toLowerCase(java.util.Locale.ROOT))) {
      // the right id in upper case: the text form is exact (it is what a signed note names), so say what to fix
      throw new IllegalArgumentException("audit key: the key id " + parts[1] + " must be written in lower case ("
          + parts[1].toLowerCase(java.util.Locale.ROOT) + "), as the server prints the key");
    }
    if (k.keyId != declaredId || !k.encoded().equals(t)) {
      throw new IllegalArgumentException("audit key: key id does not match the name and key (corrupted or edited key text)");
    }
    return k;
  }

  public String name() {
    return name;
  }

  /** The 32-bit signed-note key id. */
  public int keyId() {
    return keyId;
  }

  /** The key id as 8 lowercase hex digits. */
  public String keyIdHex() {
    return String.format(Locale.ROOT, "%08x", keyId);
  }

  /** A copy of the raw 32-byte public key. */
  public byte[] rawKey() {
    return key.clone();
  }

  /** The verifier-key text form. */
  public String encoded() {
    byte[] withAlg = new byte[33];
    withAlg[0] = Labels.ED25519_ALGORITHM;
    System.arraycopy(key, 0, withAlg, 1, 32);
    return name + "+" + keyIdHex() + "+" + Base64.getEncoder().encodeToString(withAlg);
  }

  /** Verifies an Ed25519 signature over {@code message}. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != 64) {
      return false;
    }
    Ed25519Signer verifier = new Ed25519Signer();
    try {
      verifier.init(false, new Ed25519PublicKeyParameters(key, 0));
    } catch (IllegalArgumentException e) {
      return false; // a key no signature verifies under (of() refuses one; kept as a value, never a throw)
    }
    verifier.update(message, 0, message.length);
    return verifier.verifySignature(signature);
  }

  static int keyId(String name, byte[] key) {
    MessageDigest md = RecordEncoding.sha256();
    md.update(name.getBytes(StandardCharsets.US_ASCII));
    md.update((byte) 0x0A);
    md.update((byte) Labels.ED25519_ALGORITHM);
    md.update(key);
    byte[] h = md.digest();
    return ((h[0] & 0xFF) << 24) | ((h[1] & 0xFF) << 16) | ((h[2] & 0xFF) << 8) | (h[3] & 0xFF);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditPublicKey other && name.equals(other.name) && Arrays.equals(key, other.key);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return encoded();
  }
}
