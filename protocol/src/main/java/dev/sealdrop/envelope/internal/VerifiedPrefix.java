package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.AtomicFiles;
import dev.sealdrop.keys.internal.Primitives;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The start of an envelope that an open had verified when its input broke off: the header and the
 * first {@code chunks} chunks, which went (decrypted) into a plaintext file. {@link #recreate} writes
 * those exact envelope bytes again from that plaintext, so that a caller need not keep the ciphertext
 * while it arrives just in case the transfer breaks (spec §"Resuming an interrupted open").
 *
 * <p>Each chunk is sealed again under its own nonce: AES-GCM is deterministic, so the plaintext a chunk
 * opened to seals back to that very chunk. Nothing else is ever sealed: the chunks re-created are hashed
 * as they are written, and they are published only if their digest equals the one computed over the
 * chunks as they arrived. A plaintext file that changed meanwhile (a damaged disk, another program)
 * publishes nothing.
 */
public final class VerifiedPrefix {
  private final byte[] header;
  private final byte[] headerHash;
  private final long chunks;
  private final ChunkCipher cipher;
  private final byte[] digestAsArrived;

  VerifiedPrefix(Header header, long chunks, ChunkCipher cipher, byte[] digestAsArrived) {
    this.header = header.raw().clone();
    this.headerHash = header.hash().clone();
    this.chunks = chunks;
    this.cipher = cipher;
    this.digestAsArrived = digestAsArrived;
  }

  /** Envelope bytes this prefix covers: the header and every verified chunk. */
  public long length() {
    return header.length + chunks * Suite.CHUNK_CT_BYTES;
  }

  /**
   * Writes this prefix of the envelope to {@code target} (replacing it atomically with an owner-only
   * file; not fsynced: it is a cache for resuming), re-created from {@code plaintext}, which holds the
   * verified chunks' plaintext from its first byte. Returns {@link #length()}, or -1 (and leaves
   * {@code target} as it was) when {@code plaintext} does not re-create exactly the chunks that arrived.
   * The bytes are written first into {@code .TARGETNAME-RANDOM.part} beside {@code target}, which a process
   * killed meanwhile can leave behind ({@link #temporaryFilePrefix}).
   */
  public long recreate(Path plaintext, Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = AtomicFiles.createTemp(dir, temporaryFilePrefix(target));
    byte[] plain = new byte[Suite.CHUNK_BYTES];
    byte[] sealed = new byte[Suite.CHUNK_CT_BYTES];
    boolean published = false;
    try (FileChannel in = FileChannel.open(plaintext, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      if (in.size() < chunks * Suite.CHUNK_BYTES) {
        return -1;
      }
      writeFully(out, ByteBuffer.wrap(header));
      ChainDigest outer = new ChainDigest(headerHash);
      MessageDigest chunkHash = Primitives.sha256();
      for (long i = 0; i < chunks; i++) {
        ByteBuffer b = ByteBuffer.wrap(plain);
        while (b.hasRemaining()) {
          if (in.read(b, i * Suite.CHUNK_BYTES + b.position()) < 0) {
            return -1;
          }
        }
        int n = cipher.seal(i, false, plain, 0, plain.length, sealed);
        chunkHash.update(sealed, 0, n);
        outer.add(chunkHash.digest());
        writeFully(out, ByteBuffer.wrap(sealed, 0, n));
      }
      if (!MessageDigest.isEqual(outer.digestSoFar(), digestAsArrived)) {
        return -1;
      }
      out.close();
      AtomicFiles.replace(tmp, target);
      published = true;
      return length();
    } finally {
      Arrays.fill(plain, (byte) 0);
      if (!published) {
        AtomicFiles.deleteQuietly(tmp);
      }
    }
  }

  /** The start of the names of the temporary files {@link #recreate} makes for {@code target}. */
  public static String temporaryFilePrefix(Path target) {
    return "." + target.getFileName() + "-";
  }

  private static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }
}
