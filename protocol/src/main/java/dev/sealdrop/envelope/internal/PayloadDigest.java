package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import java.security.MessageDigest;

/**
 * The envelope's ciphertext digest and public fingerprint (spec §"Digest"):
 * {@code SHA-256(DIGEST || header_hash || SHA-256(chunk_0) || ... || SHA-256(chunk_{n-1}) || u64be(n))}.
 * Chunk hashes are independent, so {@link ChunkHasher} computes them on another core; each byte
 * is hashed once. Chunk bytes must come from {@link #buffer()} (see {@link ChunkHasher}).
 */
final class PayloadDigest {
  private final MessageDigest outer = Primitives.sha256();
  private final byte[] headerHash;
  private final ChunkHasher hasher;
  private long chunks;
  private byte[] result;

  /** {@code hashBatch}: chunks handed to the hashing thread at once ({@link ChunkHasher}). */
  PayloadDigest(byte[] headerHash, int bufferSize, int hashBatch) {
    this.headerHash = headerHash.clone();
    begin(outer, headerHash);
    this.hasher = new ChunkHasher(bufferSize, ChunkHasher.PARALLEL, hashBatch, outer::update);
  }

  /** Starts {@code outer} as the digest of an envelope whose header hashes to {@code headerHash}. */
  static void begin(MessageDigest outer, byte[] headerHash) {
    outer.update(Labels.ascii(Labels.DIGEST));
    outer.update(headerHash);
  }

  /** Ends {@code outer}, which has taken {@code chunks} chunk hashes. */
  static byte[] end(MessageDigest outer, long chunks) {
    outer.update(new ByteWriter().i64(chunks).toByteArray());
    return outer.digest();
  }

  /** A buffer to put the next chunk's ciphertext in. */
  byte[] buffer() {
    return hasher.buffer();
  }

  /** Adds the next chunk; {@code b} must stay unmodified until handed out again by {@link #buffer()}. */
  void chunk(byte[] b, int off, int len) {
    hasher.hash(b, off, len);
    chunks++;
  }

  /** Completes the digest; idempotent. */
  byte[] finish() {
    if (result == null) {
      hasher.drain();
      result = end(outer, chunks);
    }
    return result.clone();
  }

  /**
   * The digest the chunks so far would have if they were all (it commits to each of them and to
   * their number); for an envelope whose stream broke off. No chunk may be added afterwards.
   */
  byte[] ofChunksSoFar() {
    hasher.drain();
    try {
      return end((MessageDigest) outer.clone(), chunks);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("envelope: internal error: SHA-256 state cannot be copied", e);
    }
  }

  /** Chunks added so far. */
  long chunks() {
    return chunks;
  }

  /** The message the sender signs: {@code SIGNATURE || header_hash || digest}. */
  byte[] signedMessage(byte[] digest) {
    return new ByteWriter().bytes(Labels.ascii(Labels.SIGNATURE)).bytes(headerHash).bytes(digest).toByteArray();
  }
}
