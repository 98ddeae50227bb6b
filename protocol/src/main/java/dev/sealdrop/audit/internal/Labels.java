package dev.sealdrop.audit.internal;

import java.nio.charset.StandardCharsets;

/**
 * Every constant that goes into an audit-log hash, signature or file, in one place.
 * Each is listed in {@code docs/audit-log.md} (section "Hashing" and "Export file").
 */
public final class Labels {
  /** Domain label prefixed to every chain-hash input (docs/audit-log.md, "Hashing"). */
  public static final String RECORD_CHAIN = "sealdrop/v1/audit-record";
  /** Domain label of the genesis hash h_0, which binds the log's origin (docs/audit-log.md, "Hashing"). */
  public static final String GENESIS = "sealdrop/v1/audit-genesis";
  /** Version byte that starts every canonical record encoding (docs/audit-log.md, "Record encoding"). */
  public static final int ENCODING_VERSION = 1;
  /** Value of the header line's {@code format} member (docs/audit-log.md, "Export file"). */
  public static final String FILE_FORMAT = "sealdrop-audit-v1";
  /** Signed-note signature algorithm byte for Ed25519 (C2SP signed-note). */
  public static final int ED25519_ALGORITHM = 0x01;
  /** Prefix of the private key file (the signed-note "PRIVATE+KEY+" convention). */
  public static final String PRIVATE_KEY_PREFIX = "PRIVATE+KEY+";

  private Labels() {}

  /** The label's ASCII bytes followed by one 0x00 byte. */
  public static byte[] withNul(String label) {
    byte[] ascii = label.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[ascii.length + 1];
    System.arraycopy(ascii, 0, out, 0, ascii.length);
    return out;
  }
}
