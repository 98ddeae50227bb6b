package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.keys.internal.ByteReader;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.FormatException;
import java.time.DateTimeException;
import java.time.Instant;

/** The metadata plaintext of spec §"Metadata": str16 name, u64 size, str8 content type, i64 seconds, u32 nanos. */
final class MetadataCodec {
  private MetadataCodec() {}

  static byte[] encode(FileMetadata m) {
    return new ByteWriter().str16(m.fileName()).i64(m.size()).str8(m.contentType())
        .i64(m.createdAt().getEpochSecond()).u32(m.createdAt().getNano()).toByteArray();
  }

  static FileMetadata decode(byte[] b) throws FormatException {
    ByteReader r = new ByteReader(b);
    String name = r.str16("file name", 1, FileMetadata.MAX_NAME_BYTES);
    long size = r.i64("size");
    // each byte as the character of its value: a byte past ASCII is refused as not printable ASCII, as the spec words
    // it, not as bad UTF-8 (round AP)
    String type = new String(r.bytes(r.u8("content type length"), "content type"),
        java.nio.charset.StandardCharsets.ISO_8859_1);
    long seconds = r.i64("creation time");
    long nanos = r.u32("creation time nanos");
    r.expectEnd("metadata");
    if (nanos > 999_999_999L) {
      throw new FormatException("creation time nanos out of range");
    }
    if (seconds < Instant.MIN.getEpochSecond() || seconds > Instant.MAX.getEpochSecond()) {
      // the spec's range, named as the field it is (round AP: the JDK's "Instant exceeds minimum or maximum instant")
      throw new FormatException("creation time " + seconds + " s is outside " + Instant.MIN.getEpochSecond() + ".."
          + Instant.MAX.getEpochSecond());
    }
    try {
      return new FileMetadata(name, size, type, Instant.ofEpochSecond(seconds, nanos));
    } catch (IllegalArgumentException | DateTimeException e) {
      throw new FormatException("metadata: " + e.getMessage());
    }
  }
}
