package dev.sealdrop.audit.internal;

import dev.sealdrop.audit.AuditRecord;
import dev.sealdrop.audit.ChainHash;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * The canonical, length-prefixed record encoding and the chain hash (docs/audit-log.md,
 * "Record encoding" and "Hashing"). The JSON in the file is only a transport: what is hashed is
 * this encoding, rebuilt from the parsed fields, so JSON whitespace or escaping cannot matter.
 */
public final class RecordEncoding {
  private static final byte[] CHAIN_LABEL = Labels.withNul(Labels.RECORD_CHAIN);
  private static final byte[] GENESIS_LABEL = Labels.withNul(Labels.GENESIS);

  private RecordEncoding() {}

  /**
   * version(1) || u64 seq || i64 time || str actor || str action || str object || str result ||
   * str peer || u32 n || n × (str key || str value) in ascending key order; str = u32 length || UTF-8;
   * all integers big-endian. The previous hash is not part of it: it enters the chain hash directly.
   */
  public static byte[] encode(AuditRecord r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(Labels.ENCODING_VERSION);
    writeLong(out, r.sequence());
    writeLong(out, r.timeMillis());
    writeString(out, r.actor());
    writeString(out, r.action());
    writeString(out, r.object());
    writeString(out, r.result());
    writeString(out, r.peer());
    writeInt(out, r.details().size());
    for (Map.Entry<String, String> e : r.details().entrySet()) { // a SortedMap of ASCII keys: byte order
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
    return out.toByteArray();
  }

  /** h_i = SHA-256("sealdrop/v1/audit-record" || 0x00 || h_{i-1} || encoding). */
  public static ChainHash chainHash(ChainHash previous, byte[] encoding) {
    MessageDigest md = sha256();
    md.update(CHAIN_LABEL);
    md.update(previous.bytes());
    md.update(encoding);
    return ChainHash.of(md.digest());
  }

  /** h_0 = SHA-256("sealdrop/v1/audit-genesis" || 0x00 || str origin): binds the chain to its origin. */
  public static ChainHash genesis(String origin) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeString(out, origin);
    MessageDigest md = sha256();
    md.update(GENESIS_LABEL);
    md.update(out.toByteArray());
    return ChainHash.of(md.digest());
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("audit: internal error: SHA-256 unavailable", e);
    }
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    writeInt(out, b.length);
    out.write(b, 0, b.length);
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static void writeLong(ByteArrayOutputStream out, long v) {
    writeInt(out, (int) (v >>> 32));
    writeInt(out, (int) v);
  }
}
