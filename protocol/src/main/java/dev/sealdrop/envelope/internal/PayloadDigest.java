package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import java.security.MessageDigest;

/**
 * The envelope's ciphertext digest and public fingerprint (spec §"Digest"):
 * {@code SHA-256(DIGEST || header_hash || SHA-256(chunk_0) || ... || SHA-256(chunk_{n-1}) || u64be(n))}.
 * Chunk hashes are independent, so they can be computed on another core; each byte is hashed once.
 */
final class PayloadDigest {
  private final MessageDigest outer = Primitives.sha256();
  private final MessageDigest inner = Primitives.sha256();
  private final byte[] headerHash;
  private final byte[] chunkHash = new byte[32];
  private long chunks;

  PayloadDigest(byte[] headerHash) {
    this.headerHash = headerHash.clone();
    outer.update(Labels.ascii(Labels.DIGEST));
    outer.update(headerHash);
  }

  void chunk(byte[] b, int off, int len) {
    inner.update(b, off, len);
    try {
      inner.digest(chunkHash, 0, 32);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("envelope: internal error: digest failed", e);
    }
    outer.update(chunkHash);
    chunks++;
  }

  /** Completes the digest; call once. */
  byte[] finish() {
    outer.update(new ByteWriter().i64(chunks).toByteArray());
    return outer.digest();
  }

  /** The message the sender signs: {@code SIGNATURE || header_hash || digest}. */
  byte[] signedMessage(byte[] digest) {
    return new ByteWriter().bytes(Labels.ascii(Labels.SIGNATURE)).bytes(headerHash).bytes(digest).toByteArray();
  }
}
