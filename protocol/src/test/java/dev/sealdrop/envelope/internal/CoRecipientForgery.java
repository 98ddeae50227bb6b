package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.KeyInternals;
import dev.sealdrop.keys.internal.KeyMaterial;
import dev.sealdrop.keys.internal.Labels;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * TEST ONLY: what a malicious co-recipient can do with the file key it legitimately unwraps —
 * keep the sender's header (and so its header hash and MAC) and encrypt different content under
 * the same payload key. Every chunk then authenticates; only the sender's signature can object.
 */
public final class CoRecipientForgery {
  private CoRecipientForgery() {}

  /** Re-encrypts {@code newPlain} under the file key that {@code insider} unwraps from {@code envelope}. */
  public static byte[] forge(byte[] envelope, PrivateKeys insider, byte[] newPlain, byte[] trailer)
      throws EnvelopeException {
    return forge(envelope, insider, newPlain, trailer, false);
  }

  /**
   * As {@link #forge(byte[], PrivateKeys, byte[], byte[])}; with {@code clearLastFlag} the final
   * chunk is sealed as if it were not the last one (the "last-flag flipped" vector).
   */
  public static byte[] forge(byte[] envelope, PrivateKeys insider, byte[] newPlain, byte[] trailer,
      boolean clearLastFlag) throws EnvelopeException {
    Framer f = new Framer(new Framer.Listener() {
      @Override
      public void onHeader(Header h) {}

      @Override
      public void onChunk(long index, boolean last, byte[] buf, int off, int len) {}
    });
    int headerLen = 12 + java.nio.ByteBuffer.wrap(envelope).getInt(8) + 32;
    f.update(envelope, 0, headerLen);
    Header h = f.header();
    KeyMaterial me = KeyInternals.material(insider);
    byte[] fp = Fingerprints.hash(Labels.RECIPIENT_KEY_FP, me.recipientPublic());
    Header.Stanza s = h.stanzas().stream().filter(x -> Arrays.equals(x.recipientFingerprint(), fp)).findFirst()
        .orElseThrow();
    byte[] ss;
    try {
      ss = me.decapsulate(s.encapsulation());
    } catch (dev.sealdrop.keys.internal.FormatException e) {
      throw new dev.sealdrop.envelope.MalformedEnvelopeException(e.getMessage());
    }
    byte[] fileKey = Aead.openOnce(KeySchedule.wrapKey(ss, fp, s.encapsulation()), s.wrappedFileKey());
    ChunkCipher c = new ChunkCipher(KeySchedule.payloadKey(fileKey, h.payloadSalt()), h.hash());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(h.raw(), 0, h.raw().length);
    byte[] ct = new byte[Suite.CHUNK_CT_BYTES];
    int off = 0;
    long i = 0;
    do {
      int n = Math.min(Suite.CHUNK_BYTES, newPlain.length - off);
      boolean last = off + n == newPlain.length;
      int m = c.seal(i++, last && !clearLastFlag, newPlain, off, n, ct);
      out.write(ct, 0, m);
      off += n;
      if (last) {
        break;
      }
    } while (true);
    out.write(trailer, 0, trailer.length);
    return out.toByteArray();
  }
}
