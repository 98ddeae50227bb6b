package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.Text;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * A checkpoint as a C2SP signed note: the body, one empty line, then signature lines
 * {@code — <key name> <base64(4-byte key id || 64-byte Ed25519 signature)>}. Signature lines from
 * keys the verifier does not know are ignored (they allow witnesses and key rotation).
 *
 * <p>This is the unit the server hands to each party in transfer responses and that parties keep;
 * {@link #note()} is its exact text.
 */
public final class SignedCheckpoint {
  /** Upper bound on a note's size in characters; checked before anything is parsed. */
  public static final int MAX_NOTE_CHARS = 16 * 1024;
  private static final int MAX_SIGNATURES = 64;
  private static final String DASH = "\u2014 ";

  /** One signature line of the note. */
  public record NoteSignature(String keyName, int keyId, byte[] signature) {
    public NoteSignature {
      signature = signature.clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }
  }

  /** What a given key says about this checkpoint. */
  public enum SignatureStatus {
    /** A signature line from the key is present and valid. */
    VALID,
    /** A line carries the key's name and id but its signature does not verify (even if another does): forged or altered. */
    INVALID,
    /** No line from this key (signed by another key, or unsigned). */
    ABSENT
  }

  private final Checkpoint checkpoint;
  private final String note;
  private final List<NoteSignature> signatures;

  private SignedCheckpoint(Checkpoint checkpoint, String note, List<NoteSignature> signatures) {
    this.checkpoint = checkpoint;
    this.note = note;
    this.signatures = List.copyOf(signatures);
  }

  /** Signs {@code checkpoint} with {@code key}. */
  static SignedCheckpoint sign(Checkpoint checkpoint, AuditKey key) {
    byte[] sig = key.sign(checkpoint.bodyBytes());
    AuditPublicKey pub = key.publicKey();
    byte[] blob = ByteBuffer.allocate(4 + sig.length).putInt(pub.keyId()).put(sig).array();
    String note = checkpoint.body() + "\n" + DASH + pub.name() + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    return new SignedCheckpoint(checkpoint, note, List.of(new NoteSignature(pub.name(), pub.keyId(), sig)));
  }

  /** Parses a note strictly (docs/audit-log.md, "Checkpoints"); does not verify any signature. */
  public static SignedCheckpoint parse(String note) throws AuditFormatException {
    if (note == null || note.length() > MAX_NOTE_CHARS) {
      throw new AuditFormatException("checkpoint: note missing or longer than " + MAX_NOTE_CHARS + " characters");
    }
    if (!note.endsWith("\n") || note.indexOf('\r') >= 0) {
      throw new AuditFormatException("checkpoint: note must use \\n line ends and end with a newline");
    }
    int split = note.indexOf("\n\n");
    if (split < 0) {
      throw new AuditFormatException("checkpoint: note has no empty line before its signatures");
    }
    String body = note.substring(0, split + 1);
    String[] lines = body.split("\n", -1);
    if (lines.length != 4) { // three lines and the empty string after the final newline
      throw new AuditFormatException("checkpoint: body must be exactly origin, size and head lines");
    }
    Checkpoint cp;
    try {
      cp = new Checkpoint(lines[0], parseSize(lines[1]), ChainHash.fromBase64(lines[2]));
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("checkpoint: " + e.getMessage(), e);
    }
    if (split + 2 >= note.length()) {
      throw new AuditFormatException("checkpoint: note has no signature lines");
    }
    String[] sigLines = note.substring(split + 2, note.length() - 1).split("\n", -1);
    if (sigLines.length == 0 || sigLines.length > MAX_SIGNATURES || sigLines[0].isEmpty()) {
      throw new AuditFormatException("checkpoint: note must have 1.." + MAX_SIGNATURES + " signature lines");
    }
    List<NoteSignature> sigs = new ArrayList<>();
    for (String line : sigLines) {
      sigs.add(parseSignatureLine(line));
    }
    return new SignedCheckpoint(cp, note, sigs);
  }

  private static long parseSize(String s) {
    if (s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
      throw new IllegalArgumentException("size must be a decimal number without leading zeros");
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        throw new IllegalArgumentException("size must be a decimal number");
      }
    }
    return Long.parseLong(s);
  }

  private static NoteSignature parseSignatureLine(String line) throws AuditFormatException {
    if (!line.startsWith(DASH) || !Text.isClean(line)) {
      throw new AuditFormatException("checkpoint: a signature line must start with an em dash and a space");
    }
    String rest = line.substring(DASH.length());
    int space = rest.indexOf(' ');
    if (space <= 0 || !Text.isNoteName(rest.substring(0, space))) {
      throw new AuditFormatException("checkpoint: a signature line must be '— NAME BASE64'");
    }
    String text = rest.substring(space + 1);
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new AuditFormatException("checkpoint: signature is not valid base64", e);
    }
    if (!Base64.getEncoder().encodeToString(blob).equals(text)) {
      // Non-canonical base64 (non-zero padding bits, missing padding) is a second spelling of the
      // same signature: a one-byte edit of the export that would otherwise still verify.
      throw new AuditFormatException("checkpoint: signature is not canonical base64");
    }
    if (blob.length < 5) {
      throw new AuditFormatException("checkpoint: signature is too short");
    }
    int keyId = ByteBuffer.wrap(blob, 0, 4).getInt();
    return new NoteSignature(rest.substring(0, space), keyId, Arrays.copyOfRange(blob, 4, blob.length));
  }

  /** What {@code key} says about this checkpoint (docs/audit-log.md, "Checkpoints"). */
  public SignatureStatus check(AuditPublicKey key) {
    Objects.requireNonNull(key, "key");
    // Every line that carries the key's name and id must verify: one that does not is a forgery,
    // even next to a valid line (otherwise a forged line could be added to an export unnoticed).
    boolean sawLine = false;
    for (NoteSignature s : signatures) {
      if (s.keyName().equals(key.name()) && s.keyId() == key.keyId()) {
        sawLine = true;
        if (!key.verify(checkpoint.bodyBytes(), s.signature())) {
          return SignatureStatus.INVALID;
        }
      }
    }
    return sawLine ? SignatureStatus.VALID : SignatureStatus.ABSENT;
  }

  public Checkpoint checkpoint() {
    return checkpoint;
  }

  /** The exact note text (body, empty line, signature lines). */
  public String note() {
    return note;
  }

  public List<NoteSignature> signatures() {
    return signatures;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedCheckpoint other && note.equals(other.note);
  }

  @Override
  public int hashCode() {
    return note.hashCode();
  }

  @Override
  public String toString() {
    return note;
  }
}
