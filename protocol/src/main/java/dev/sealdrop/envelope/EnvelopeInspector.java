package dev.sealdrop.envelope;

import dev.sealdrop.envelope.internal.Framer;
import dev.sealdrop.envelope.internal.Header;
import dev.sealdrop.envelope.internal.HeaderCodec;
import dev.sealdrop.envelope.internal.InspectionProgress;
import dev.sealdrop.envelope.internal.Suite;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's view of an envelope: ciphertext only, no content key (spec §"Inspecting").
 * Feed the bytes as they arrive with {@link #update}; it throws as soon as they cannot be an
 * envelope. {@link #finish} checks the declared sender against the uploader's signing key and
 * verifies the trailer signature over the header and every chunk. Memory: one chunk.
 *
 * <p>The caller (the server) must also compare {@code header().senderIdentity()} with the
 * authenticated uploader's identity: the inspector checks the key, the caller knows the name.
 */
public final class EnvelopeInspector {
  private final Framer framer;
  private HeaderInfo info;
  private boolean finished;
  private boolean failed;
  /** Stored bytes {@link #resume} read. */
  private long bytesReread;

  public EnvelopeInspector() {
    this.framer = new Framer(new Framer.Listener() {
      @Override
      public void onHeader(Header h) {
        info = headerInfo(h);
      }

      @Override
      public void onChunk(long index, boolean last, byte[] buf, int off, int len) {
        // Chunks are hashed by the framer; without a key there is nothing else to check.
      }
    });
  }

  public void update(byte[] b, int off, int len) throws EnvelopeException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (finished || failed) {
      throw new IllegalStateException("inspector already finished or failed; use a new one");
    }
    try {
      framer.update(b, off, len);
    } catch (EnvelopeException e) {
      failed = true;
      throw e;
    }
  }

  /** Present once the whole header has arrived and parsed. */
  public Optional<HeaderInfo> header() {
    return Optional.ofNullable(info);
  }

  /**
   * Ends the stream and verifies it: complete, declared sender key equal to {@code expectedSender},
   * signature valid.
   */
  public InspectionResult finish(VerifyingKey expectedSender) throws EnvelopeException {
    Objects.requireNonNull(expectedSender, "expectedSender");
    if (finished || failed) {
      throw new IllegalStateException("inspector already finished or failed; use a new one");
    }
    finished = true;
    byte[] signature = framer.finish();
    Header h = framer.header();
    if (!Arrays.equals(h.senderKey(), expectedSender.encoded())) {
      throw new UntrustedSenderException(HeaderCodec.printableOrEscaped(h.senderIdentity()), info.senderKeyFingerprint());
    }
    byte[] digest = framer.digest();
    if (!expectedSender.verify(framer.signedMessage(digest), signature)) {
      throw new BadSignatureException();
    }
    return new InspectionResult(info, framer.totalBytes(), Fingerprints.hex(digest));
  }

  /**
   * What {@link #resume} may later continue from, given the bytes fed so far or more of them: the header's length,
   * how many chunks the digest has taken (some of the last ones fed may still be being hashed) and its running state.
   * Opaque; public values only (lengths and hashes of ciphertext), a few hundred bytes. Empty while the header is
   * incomplete or once the inspector finished or failed.
   */
  public Optional<byte[]> progress() {
    if (finished || failed) {
      return Optional.empty();
    }
    InspectionProgress p = framer.progress();
    return p == null ? Optional.empty() : Optional.of(p.encode());
  }

  /** Reads bytes {@code [from, to)} of an envelope stored earlier. */
  @FunctionalInterface
  public interface StoredBytes {
    InputStream read(long from, long to) throws IOException;
  }

  /**
   * An inspector that has taken the first {@code length} bytes of an envelope stored earlier, as if they had been fed
   * to {@link #update}. Given a {@link #progress()} saved after at most {@code length} bytes had been fed, it reads
   * only the header and the bytes after the chunks that progress covers (those written after the progress was saved), not the whole stored
   * prefix again; given none ({@code null}), or one that cannot be this envelope's at this length, it reads every
   * byte. A progress of another envelope whose header has the same length goes unnoticed here and fails
   * {@link #finish} (the signature). Throws as {@link #update} does if the bytes are not an envelope, and
   * {@link java.io.EOFException} if fewer than {@code length} are stored.
   */
  public static EnvelopeInspector resume(long length, byte[] progress, StoredBytes stored) throws IOException {
    Objects.requireNonNull(stored, "stored");
    if (length < 0) {
      throw new IllegalArgumentException("negative length");
    }
    InspectionProgress p = progress == null ? null : InspectionProgress.decode(progress);
    if (p != null && p.chunks() > 0 && p.resumeOffset() + Suite.TRAILER_BYTES + 1 <= length) {
      EnvelopeInspector i = new EnvelopeInspector();
      i.feed(stored, 0, p.headerLength());
      // the chunks it covers were each followed by more than a trailer's bytes: a progress saying otherwise is not
      // of this stream
      if (i.framer.headerLength() == p.headerLength() && i.framer.skipChunks(p)) {
        i.feed(stored, p.resumeOffset(), length);
        return i;
      }
    }
    EnvelopeInspector all = new EnvelopeInspector();
    all.feed(stored, 0, length);
    return all;
  }

  /** Bytes of the stored envelope that {@link #resume} read to build this inspector (0 for a new one). */
  public long bytesReread() {
    return bytesReread;
  }

  private void feed(StoredBytes stored, long from, long to) throws IOException {
    if (from == to) {
      return;
    }
    byte[] buf = new byte[64 * 1024];
    long left = to - from;
    try (InputStream in = stored.read(from, to)) {
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new java.io.EOFException("the stored envelope ends at byte " + (to - left) + ", before byte " + to);
        }
        update(buf, 0, n);
        left -= n;
        bytesReread += n;
      }
    }
  }

  /** Reads {@code in} to the end and inspects it. */
  public static InspectionResult inspect(InputStream in, VerifyingKey expectedSender) throws IOException {
    EnvelopeInspector i = new EnvelopeInspector();
    byte[] buf = new byte[64 * 1024];
    for (int n; (n = in.read(buf)) != -1; ) {
      i.update(buf, 0, n);
    }
    return i.finish(expectedSender);
  }

  static HeaderInfo headerInfo(Header h) {
    List<String> recipients = h.stanzas().stream()
        .map(s -> Fingerprints.display(s.recipientFingerprint())).toList();
    String senderFp = Fingerprints.display(Fingerprints.hash(Labels.SIGNING_KEY_FP, h.senderKey()));
    return new HeaderInfo(h.suite(), h.senderIdentity(), senderFp, recipients);
  }
}
