package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.ByteWriter;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How far an inspection got, saved so that a later one can continue from there without reading the chunks again: the
 * header's length, the number of chunks whose hashes the digest has taken and the digest's running state. Public
 * values only (lengths and hashes of ciphertext). Encoded as {@code u8(1) || u32(header length) || u64(chunks) ||
 * state}.
 */
public record InspectionProgress(int headerLength, long chunks, byte[] digestState) {
  private static final int VERSION = 1;

  public InspectionProgress {
    digestState = digestState.clone();
  }

  @Override
  public byte[] digestState() {
    return digestState.clone();
  }

  /** Where the bytes after the saved chunks start: the header and those chunks. */
  public long resumeOffset() {
    return headerLength + chunks * Suite.CHUNK_CT_BYTES;
  }

  public byte[] encode() {
    return new ByteWriter().u8(VERSION).u32(headerLength).i64(chunks).bytes(digestState).toByteArray();
  }

  /** The progress {@code encoded} holds; null if it holds none (another version, a wrong length, a negative count). */
  public static InspectionProgress decode(byte[] encoded) {
    if (encoded == null || encoded.length <= 13 || encoded.length > 13 + ChainDigest.MAX_STATE_BYTES
        || encoded[0] != VERSION) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(encoded, 1, encoded.length - 1);
    long headerLength = Integer.toUnsignedLong(b.getInt());
    long chunks = b.getLong();
    if (headerLength > Integer.MAX_VALUE || chunks < 0 || chunks > Suite.MAX_CHUNKS) {
      return null;
    }
    return new InspectionProgress((int) headerLength, chunks, Arrays.copyOfRange(encoded, 13, encoded.length));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InspectionProgress p && p.headerLength == headerLength && p.chunks == chunks
        && Arrays.equals(p.digestState, digestState);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * headerLength + Long.hashCode(chunks)) + Arrays.hashCode(digestState);
  }

  @Override
  public String toString() {
    return "InspectionProgress[headerLength=" + headerLength + ", chunks=" + chunks + "]";
  }
}
