package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;

/**
 * The envelope's ciphertext digest and public fingerprint (spec §"Digest"):
 * {@code SHA-256(DIGEST || header_hash || SHA-256(chunk_0) || ... || SHA-256(chunk_{n-1}) || u64be(n))}.
 * Chunk hashes are independent, so {@link ChunkHasher} computes them on another core; each byte
 * is hashed once. Chunk bytes must come from {@link #buffer()} (see {@link ChunkHasher}).
 */
final class PayloadDigest {
  private final byte[] headerHash;
  private final ChunkHasher hasher;
  /** Takes the chunk hashes in order as {@link #hasher} hands them over (which may be some chunks later). */
  private ChainDigest outer;
  private long chunks;
  private byte[] result;

  /** {@code hashBatch}: chunks handed to the hashing thread at once ({@link ChunkHasher}). */
  PayloadDigest(byte[] headerHash, int bufferSize, int hashBatch) {
    this.headerHash = headerHash.clone();
    this.outer = new ChainDigest(headerHash);
    this.hasher = new ChunkHasher(bufferSize, ChunkHasher.PARALLEL, hashBatch, h -> outer.add(h));
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
      result = outer.digestSoFar();
    }
    return result.clone();
  }

  /**
   * The digest the chunks so far would have if they were all (it commits to each of them and to
   * their number); for an envelope whose stream broke off. No chunk may be added afterwards.
   */
  byte[] ofChunksSoFar() {
    hasher.drain();
    return outer.digestSoFar();
  }

  /** Chunks added so far. */
  long chunks() {
    return chunks;
  }

  /**
   * How far the digest got: the chunks whose hashes it has taken (the first {@code outer.chunks()}; later ones may
   * still be hashing) and its running state. Nothing waits.
   */
  ChainDigest progress() {
    return outer;
  }

  /**
   * Continues from {@code restored}, as if its chunks had been added (and hashed) here; only before any chunk was
   * added.
   */
  void resumeFrom(ChainDigest restored) {
    if (chunks != 0) {
      throw new IllegalStateException("envelope: internal error: a digest resumes before its first chunk");
    }
    outer = restored;
    chunks = restored.chunks();
  }

  /** The message the sender signs: {@code SIGNATURE || header_hash || digest}. */
  byte[] signedMessage(byte[] digest) {
    return new ByteWriter().bytes(Labels.ascii(Labels.SIGNATURE)).bytes(headerHash).bytes(digest).toByteArray();
  }
}
