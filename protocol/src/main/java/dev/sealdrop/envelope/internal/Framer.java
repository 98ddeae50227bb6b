package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.MalformedEnvelopeException;
import dev.sealdrop.envelope.TamperedPayloadException;
import java.util.Arrays;

/**
 * Splits a ciphertext stream into header, chunks and trailer without any key (spec §"Framing"),
 * and computes the header hash and the ciphertext digest on the way. Push-based, so the server's
 * inspector and the recipient's opener share this one parser. Memory: one chunk plus the trailer.
 *
 * <p>A chunk is known to be the last one only when the stream ends: all chunks but the last are
 * exactly {@link Suite#CHUNK_CT_BYTES}, and the trailer is the final {@link Suite#TRAILER_BYTES}.
 */
public final class Framer {
  /** Receives the parsed pieces in stream order. */
  public interface Listener {
    void onHeader(Header header) throws EnvelopeException;

    void onChunk(long index, boolean last, byte[] buf, int off, int len) throws EnvelopeException;
  }

  private enum State { PREFIX, HEADER, PAYLOAD, DONE }

  private final Listener listener;
  private final int hashBatch;
  private State state = State.PREFIX;
  private final byte[] prefix = new byte[Suite.PREFIX_BYTES];
  private int prefixFilled;
  private byte[] headerRaw;
  private int headerFilled;
  private Header header;
  private PayloadDigest digest;
  private byte[] buf;
  private int filled;
  private long chunkIndex;
  private long total;
  private byte[] digestValue;

  public Framer(Listener listener) {
    this(listener, ChunkHasher.BATCH);
  }

  /** {@code hashBatch}: chunks handed to the hashing thread at once ({@link ChunkHasher}). */
  Framer(Listener listener, int hashBatch) {
    this.listener = listener;
    this.hashBatch = hashBatch;
  }

  public void update(byte[] b, int off, int len) throws EnvelopeException {
    if (state == State.DONE) {
      throw new IllegalStateException("envelope: internal error: update after finish");
    }
    total += len;
    while (len > 0) {
      int n;
      switch (state) {
        case PREFIX:
          n = Math.min(len, Suite.PREFIX_BYTES - prefixFilled);
          System.arraycopy(b, off, prefix, prefixFilled, n);
          prefixFilled += n;
          HeaderCodec.checkMagicPrefix(prefix, prefixFilled);
          if (prefixFilled == Suite.PREFIX_BYTES) {
            int bodyLen = HeaderCodec.bodyLength(prefix);
            headerRaw = new byte[Suite.PREFIX_BYTES + bodyLen + Suite.MAC_BYTES];
            System.arraycopy(prefix, 0, headerRaw, 0, Suite.PREFIX_BYTES);
            headerFilled = Suite.PREFIX_BYTES;
            state = State.HEADER;
          }
          break;
        case HEADER:
          n = Math.min(len, headerRaw.length - headerFilled);
          System.arraycopy(b, off, headerRaw, headerFilled, n);
          headerFilled += n;
          if (headerFilled == headerRaw.length) {
            header = HeaderCodec.parse(headerRaw);
            digest = new PayloadDigest(header.hash(), Suite.CHUNK_CT_BYTES + Suite.TRAILER_BYTES + 1, hashBatch);
            buf = digest.buffer();
            state = State.PAYLOAD;
            listener.onHeader(header);
          }
          break;
        default:
          n = Math.min(len, buf.length - filled);
          System.arraycopy(b, off, buf, filled, n);
          filled += n;
          if (filled == buf.length) {
            // More bytes follow this chunk than a trailer: it cannot be the last one.
            emit(false, Suite.CHUNK_CT_BYTES);
            // The emitted buffer is being hashed on another core: continue in a fresh one.
            byte[] next = digest.buffer();
            int rest = filled - Suite.CHUNK_CT_BYTES;
            System.arraycopy(buf, Suite.CHUNK_CT_BYTES, next, 0, rest);
            buf = next;
            filled = rest;
          }
          break;
      }
      off += n;
      len -= n;
    }
  }

  private void emit(boolean last, int len) throws EnvelopeException {
    if (chunkIndex >= Suite.MAX_CHUNKS) {
      throw new MalformedEnvelopeException("more than " + Suite.MAX_CHUNKS + " chunks");
    }
    digest.chunk(buf, 0, len); // hashed on another core while the listener decrypts
    listener.onChunk(chunkIndex, last, buf, 0, len);
    chunkIndex++;
  }

  /** Ends the stream: emits the last chunk and returns the trailer (the sender's signature). */
  public byte[] finish() throws EnvelopeException {
    if (state != State.PAYLOAD) {
      throw new MalformedEnvelopeException("envelope truncated inside the header");
    }
    state = State.DONE;
    int lastLen = filled - Suite.TRAILER_BYTES;
    // The last chunk holds at least a tag; it may be empty only if it is the only chunk.
    if (lastLen < 16 || (lastLen == 16 && chunkIndex > 0)) {
      throw new TamperedPayloadException(chunkIndex);
    }
    emit(true, lastLen);
    byte[] trailer = Arrays.copyOfRange(buf, lastLen, filled);
    digestValue = digest.finish();
    return trailer;
  }

  /** Available after {@link #finish()}. */
  public byte[] digest() {
    if (digestValue == null) {
      throw new IllegalStateException("envelope: internal error: digest before finish");
    }
    return digestValue.clone();
  }

  public byte[] signedMessage(byte[] digestValue) {
    return digest.signedMessage(digestValue);
  }

  /**
   * For a stream that broke off before its end: the digest of the chunks emitted so far
   * ({@link PayloadDigest#ofChunksSoFar}); null while the header is incomplete. Ends this framer.
   */
  byte[] digestOfChunksSoFar() {
    if (state != State.PAYLOAD) {
      return null;
    }
    state = State.DONE;
    return digest.ofChunksSoFar();
  }

  public Header header() {
    return header;
  }

  /** The header's length in bytes once it is whole (and parsed); -1 before. */
  public int headerLength() {
    return header == null ? -1 : headerRaw.length;
  }

  /**
   * How far the digest got ({@link PayloadDigest#progress}): what a later framer, fed this envelope's header, may
   * {@link #skipChunks skip}; null while the header is incomplete or once the stream ended. Nothing waits.
   */
  public InspectionProgress progress() {
    if (state != State.PAYLOAD) {
      return null;
    }
    ChainDigest d = digest.progress();
    return new InspectionProgress(headerRaw.length, d.chunks(), d.savedState());
  }

  /**
   * Right after the header, before any chunk: continues as if the chunks {@code p} covers had been fed and hashed
   * here, so that the next byte fed is the one at {@link InspectionProgress#resumeOffset()}. False, and nothing
   * changed, if {@code p} cannot be this envelope's (another header length, an unusable state).
   */
  public boolean skipChunks(InspectionProgress p) {
    if (state != State.PAYLOAD || chunkIndex != 0 || filled != 0) {
      throw new IllegalStateException("envelope: internal error: chunks are skipped right after the header");
    }
    if (p.headerLength() != headerRaw.length || p.chunks() > Suite.MAX_CHUNKS) {
      return false;
    }
    ChainDigest restored = ChainDigest.restore(p.digestState(), p.chunks());
    if (restored == null) {
      return false;
    }
    digest.resumeFrom(restored);
    chunkIndex = p.chunks();
    total += p.chunks() * Suite.CHUNK_CT_BYTES;
    return true;
  }

  public long chunkCount() {
    return chunkIndex;
  }

  public long totalBytes() {
    return total;
  }
}
