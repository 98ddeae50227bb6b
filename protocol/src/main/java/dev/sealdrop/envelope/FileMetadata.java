package dev.sealdrop.envelope;

import dev.sealdrop.envelope.internal.Suite;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;

/**
 * What the sender says about the file, encrypted in the header (spec §"Metadata"). The name is
 * a suggestion only: {@link Envelope#openIntoDirectory} sanitises it before use.
 *
 * @param fileName original name, 1..1024 UTF-8 bytes
 * @param size exact plaintext length in bytes (checked when sealing and opening)
 * @param contentType media type, 0..255 printable ASCII characters (may be empty)
 * @param createdAt creation time
 */
public record FileMetadata(String fileName, long size, String contentType, Instant createdAt) {
  public static final int MAX_NAME_BYTES = 1024;
  public static final int MAX_CONTENT_TYPE = 255;

  public FileMetadata {
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(createdAt, "createdAt");
    int nameBytes = fileName.getBytes(StandardCharsets.UTF_8).length;
    if (nameBytes < 1 || nameBytes > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("fileName must be 1.." + MAX_NAME_BYTES + " UTF-8 bytes, not " + nameBytes);
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0, not " + size);
    }
    if (contentType.length() > MAX_CONTENT_TYPE || !contentType.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("contentType must be 0.." + MAX_CONTENT_TYPE + " printable ASCII characters");
    }
  }

  /**
   * A lower bound of the size of the envelope that sealing this file produces: its fixed header
   * parts, its chunks (each chunk's plaintext plus its tag) and its trailer. The header body
   * (recipients, sender, this metadata) comes on top, so an upload can announce this before it
   * seals, and a size limit it exceeds is certain to be exceeded.
   */
  public long envelopeSizeAtLeast() {
    long chunks = Math.max(1, size / Suite.CHUNK_BYTES + (size % Suite.CHUNK_BYTES == 0 ? 0 : 1));
    return Suite.PREFIX_BYTES + Suite.MAC_BYTES + size + chunks * (Suite.CHUNK_CT_BYTES - Suite.CHUNK_BYTES)
        + Suite.TRAILER_BYTES;
  }
}
