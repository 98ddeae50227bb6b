package dev.sealdrop.server.core.sshkey;

import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Base64;
import java.util.Set;

/**
 * A validated OpenSSH public key: its algorithm, SSH wire encoding ({@code blob}), size in bits,
 * comment and {@code SHA256:} fingerprint (as {@code ssh-keygen -l} prints it). Only the key types
 * of the project's SSH policy are accepted (docs/sftp.md, ../shared SECURITY.md §3.4: user keys as host keys):
 * {@code ssh-ed25519} and {@code ssh-rsa} keys of at least 3072 bits (used with rsa-sha2-256/512 signatures only; the
 * SSH door never accepts SHA-1 ones). ECDSA keys are refused (review EA: they were accepted, against the policy,
 * whose hardening list leaves them out because their signatures depend on the client's random numbers).
 */
public record SshPublicKey(String algorithm, byte[] blob, int bits, String comment, String fingerprint) {
  public static final String ED25519 = "ssh-ed25519";
  public static final String RSA = "ssh-rsa";
  /**
   * ECDSA keys, accepted until session 58: those stored before are still read ({@link #fromBlob}), so that their
   * owners can list and remove them (review EG: reading one failed every listing of its owner's keys, their removal, a
   * new registration, and every admin's revocation of a certificate by serial); adding and logging in take
   * {@link #accepted} keys only.
   */
  static final String ECDSA_P256 = "ecdsa-sha2-nistp256";
  static final String ECDSA_P384 = "ecdsa-sha2-nistp384";
  public static final int MIN_RSA_BITS = 3072;
  static final int MAX_RSA_BITS = 16384;
  static final int MAX_LINE = 16 * 1024;
  static final int MAX_COMMENT = 256;
  private static final Set<String> ALLOWED = Set.of(ED25519, RSA);

  public SshPublicKey {
    blob = blob.clone();
  }

  /** Whether this key's type is one the policy takes now (an ECDSA key stored earlier is not: it logs in no more). */
  public boolean accepted() {
    return ALLOWED.contains(algorithm);
  }

  @Override
  public byte[] blob() {
    return blob.clone();
  }

  /** The {@code authorized_keys} form: algorithm, base64 blob, comment. */
  public String openSsh() {
    String text = algorithm + " " + Base64.getEncoder().encodeToString(blob);
    return comment.isEmpty() ? text : text + " " + comment;
  }

  /** Parses one line of a {@code .pub} / {@code authorized_keys} file: {@code TYPE BASE64 [COMMENT]}. */
  public static SshPublicKey parse(String line) {
    if (line == null || line.isBlank()) {
      throw invalid("the public key is empty; pass the content of your .pub file (e.g. ~/.ssh/id_ed25519.pub)");
    }
    if (line.length() > MAX_LINE) {
      throw invalid("the public key is longer than " + MAX_LINE + " characters; pass one .pub line");
    }
    String text = line.strip();
    if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
      // round BL: two .pub lines were told the comment was too long
      throw invalid("the request holds several lines; pass one .pub line (one key per call)");
    }
    String[] parts = text.split("[ \t]+", 3);
    if (parts.length < 2) {
      throw invalid("expected 'TYPE BASE64 [COMMENT]' as in a .pub file (no authorized_keys options)");
    }
    if (!ALLOWED.contains(parts[0])) {
      throw invalid("key type '" + printable(parts[0]) + "' is not accepted; use ssh-ed25519 (recommended)"
          + " or ssh-rsa with at least " + MIN_RSA_BITS + " bits" + (parts[0].startsWith("ecdsa-") ? " (ECDSA keys"
          + " are not: their signatures depend on the client's random numbers; `ssh-keygen -t ed25519` makes one)"
          : ""));
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      throw invalid("the key's base64 part does not decode; copy the .pub line again");
    }
    String comment = parts.length == 3 ? parts[2].strip() : "";
    // the cause named, and a remedy that keeps the key (review BI: "at most 256 printable characters" of a short
    // comment holding a tab, and the CLI's hint to make a new Ed25519 key of an Ed25519 key)
    String newComment = "give the key another comment (`ssh-keygen -c -C 'NEW COMMENT' -f PRIVATE_KEY_FILE`, the .pub"
        + " file's name without .pub, changes both in place; or edit the text after the key in the .pub line), then add"
        + " it again";
    java.util.OptionalInt control = comment.chars().filter(c -> c < 0x20 || c == 0x7f).findFirst();
    if (control.isPresent()) {
      throw invalid("the key's comment holds a control character (" + (control.getAsInt() == '\t' ? "a tab"
          : String.format(java.util.Locale.ROOT, "U+%04X", control.getAsInt())) + "); comments are printable text: "
          + newComment);
    }
    if (comment.length() > MAX_COMMENT) {
      throw invalid("the key's comment is " + comment.length() + " characters long, more than the " + MAX_COMMENT
          + " taken: " + newComment);
    }
    SshPublicKey key = fromBlob(blob, comment);
    if (!key.algorithm().equals(parts[0])) {
      throw invalid("the line says '" + parts[0] + "' but the key inside is '" + key.algorithm() + "'");
    }
    return key;
  }

  /** Validates a key in SSH wire encoding (as presented during SSH authentication). */
  public static SshPublicKey fromBlob(byte[] blob, String comment) {
    ByteBuffer in = ByteBuffer.wrap(blob);
    String type = new String(string(in), StandardCharsets.US_ASCII);
    int bits;
    switch (type) {
      case ED25519 -> {
        if (string(in).length != 32) {
          throw invalid("an ssh-ed25519 key is 32 bytes");
        }
        bits = 256;
      }
      case ECDSA_P256 -> bits = ecdsa(in, "nistp256", "secp256r1", 256);
      case ECDSA_P384 -> bits = ecdsa(in, "nistp384", "secp384r1", 384);
      case RSA -> bits = rsa(in);
      default -> throw invalid("key type '" + printable(type) + "' is not accepted; use ssh-ed25519 (recommended)"
          + " or ssh-rsa with at least " + MIN_RSA_BITS + " bits");
    }
    if (in.hasRemaining()) {
      throw invalid("the key has trailing bytes; copy the .pub line again");
    }
    return new SshPublicKey(type, blob, bits, comment, fingerprintOf(blob));
  }

  /** {@code SHA256:} followed by the unpadded base64 of SHA-256 over the wire encoding. */
  public static String fingerprintOf(byte[] blob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("server: internal error: no SHA-256", e);
    }
  }

  private static int ecdsa(ByteBuffer in, String curveName, String jcaCurve, int bits) {
    String curve = new String(string(in), StandardCharsets.US_ASCII);
    if (!curve.equals(curveName)) {
      throw invalid("the ECDSA key names curve '" + printable(curve) + "', expected " + curveName);
    }
    byte[] q = string(in);
    int len = (bits + 7) / 8;
    if (q.length != 1 + 2 * len || q[0] != 4) {
      throw invalid("the ECDSA key's point is not an uncompressed " + curveName + " point");
    }
    BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(q, 1, 1 + len));
    BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(q, 1 + len, q.length));
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec(jcaCurve));
      ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
      BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
      BigInteger rhs = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
      if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0 || !y.pow(2).mod(p).equals(rhs)) {
        throw invalid("the ECDSA key's point is not on " + curveName);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("server: internal error: no " + jcaCurve + " parameters", e);
    }
    return bits;
  }

  private static int rsa(ByteBuffer in) {
    BigInteger e = new BigInteger(string(in));
    BigInteger n = new BigInteger(string(in));
    if (e.signum() <= 0 || !e.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0 || n.signum() <= 0 || !n.testBit(0)) {
      throw invalid("the RSA key's numbers are not a valid public key");
    }
    int bits = n.bitLength();
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      throw invalid("the RSA key has " + bits + " bits; this server accepts " + MIN_RSA_BITS + " to " + MAX_RSA_BITS
          + " (better: ssh-keygen -t ed25519)");
    }
    return bits;
  }

  private static byte[] string(ByteBuffer in) {
    if (in.remaining() < 4) {
      throw invalid("the key's encoding is truncated; copy the .pub line again");
    }
    int len = in.getInt();
    if (len < 0 || len > in.remaining()) {
      throw invalid("the key's encoding is truncated; copy the .pub line again");
    }
    byte[] out = new byte[len];
    in.get(out);
    return out;
  }

  private static String printable(String s) {
    String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private static InvalidRequestException invalid(String message) {
    return new InvalidRequestException(Reason.INVALID_REQUEST, "SSH public key refused: " + message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SshPublicKey k && MessageDigest.isEqual(blob, k.blob);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(blob);
  }

  @Override
  public String toString() {
    return algorithm + " " + fingerprint;
  }
}
