package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * The envelope's outer digest (spec §"Digest"):
 * {@code SHA-256(DIGEST || header_hash || SHA-256(chunk_0) || ... || SHA-256(chunk_{n-1}) || u64be(n))}, fed one chunk
 * hash at a time. It takes 32 bytes per 64 KiB chunk, so Bouncy Castle's SHA-256 costs nothing measurable here (the
 * chunks themselves are hashed with the JDK's, {@link ChunkHasher}); unlike the JDK's, its running state can be saved
 * and restored, which lets a server resume inspecting an upload without reading its stored chunks again
 * ({@link dev.sealdrop.envelope.EnvelopeInspector#resume}).
 */
final class ChainDigest {
  /**
   * The longest {@link #savedState()}: its length varies with the words buffered in the current block (Bouncy Castle's
   * encoding: 53 bytes and 4 per word, up to 16).
   */
  static final int MAX_STATE_BYTES = 53 + 16 * 4;

  private final SHA256Digest sha;
  private long chunks;

  /** Starts the digest of an envelope whose header hashes to {@code headerHash}. */
  ChainDigest(byte[] headerHash) {
    this.sha = new SHA256Digest();
    byte[] label = Labels.ascii(Labels.DIGEST);
    sha.update(label, 0, label.length);
    sha.update(headerHash, 0, headerHash.length);
  }

  private ChainDigest(SHA256Digest sha, long chunks) {
    this.sha = sha;
    this.chunks = chunks;
  }

  /** Takes the next chunk's SHA-256. */
  void add(byte[] chunkHash) {
    sha.update(chunkHash, 0, chunkHash.length);
    chunks++;
  }

  /** Chunk hashes taken so far. */
  long chunks() {
    return chunks;
  }

  /** The digest of the chunks taken so far, as if they were all; this digest is not changed. */
  byte[] digestSoFar() {
    SHA256Digest end = new SHA256Digest(sha);
    byte[] count = new ByteWriter().i64(chunks).toByteArray();
    end.update(count, 0, count.length);
    byte[] out = new byte[end.getDigestSize()];
    end.doFinal(out, 0);
    return out;
  }

  /** The running state, for {@link #restore} with {@link #chunks()}: public values only (hashes of ciphertext). */
  byte[] savedState() {
    return sha.getEncodedState();
  }

  /**
   * The digest whose {@link #savedState()} was {@code state} after {@code chunks} chunk hashes; null if {@code state}
   * cannot be one (its length is wrong). A state that is one but not of this envelope goes unnoticed here: the
   * signature check at the end fails.
   */
  static ChainDigest restore(byte[] state, long chunks) {
    if (state == null || state.length < 53 || state.length > MAX_STATE_BYTES || chunks < 0) {
      return null;
    }
    try {
      return new ChainDigest(new SHA256Digest(state), chunks);
    } catch (RuntimeException e) {
      return null; // Bouncy Castle's decoding refused it (a purpose it does not know)
    }
  }
}
