package dev.sealdrop.envelope.internal;

import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import dev.sealdrop.keys.internal.XWing;

/** The constants and limits of suite {@link Labels#SUITE_V1} (spec §"Suite" and §"Limits"). */
public final class Suite {
  private Suite() {}

  public static final String ID = Labels.SUITE_V1;
  public static final int MAGIC_BYTES = 8;
  /** magic(8) || u32 body length. */
  public static final int PREFIX_BYTES = MAGIC_BYTES + 4;
  public static final int MAC_BYTES = 32;
  public static final int MAX_HEADER_BODY = 64 * 1024;
  public static final int MAX_RECIPIENTS = 32;
  public static final int MAX_IDENTITY_BYTES = 255;
  public static final int FILE_KEY_BYTES = 32;
  public static final int SALT_BYTES = 32;
  public static final int WRAPPED_KEY_BYTES = FILE_KEY_BYTES + Primitives.GCM_TAG_BYTES;
  public static final int STANZA_BYTES = 32 + XWing.ENCAPSULATION_BYTES + WRAPPED_KEY_BYTES;
  public static final int MAX_METADATA_CT = 2048;
  public static final int CHUNK_BYTES = 64 * 1024;
  public static final int CHUNK_CT_BYTES = CHUNK_BYTES + Primitives.GCM_TAG_BYTES;
  public static final int SIGNATURE_BYTES = 64;
  public static final int TRAILER_BYTES = SIGNATURE_BYTES;
  /** Chunk counters are below 2^32: at most 256 TiB per envelope, far inside SP 800-38D's limits. */
  public static final long MAX_CHUNKS = 1L << 32;
}
