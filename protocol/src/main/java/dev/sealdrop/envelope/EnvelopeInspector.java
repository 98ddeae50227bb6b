package dev.sealdrop.envelope;

import dev.sealdrop.envelope.internal.Framer;
import dev.sealdrop.envelope.internal.Header;
import dev.sealdrop.envelope.internal.HeaderCodec;
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
