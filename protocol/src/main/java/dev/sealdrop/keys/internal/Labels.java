package dev.sealdrop.keys.internal;

import java.nio.charset.StandardCharsets;

/**
 * Every domain-separation label of the sealdrop formats, in one place. Each constant is listed,
 * with its exact use, in {@code docs/envelope-format.md} §"Labels"; changing one changes the
 * format and must fail the known-answer vectors. All labels are ASCII, contain no NUL, and no
 * domain-separation label is a prefix of another, so {@code label || fixed-length context} is unambiguous. The magic
 * {@code sealdrop} is a prefix of the others, but where it is hashed a header length follows it whose first byte is
 * 0x00, never '/'.
 */
public final class Labels {
  private Labels() {}

  /** Envelope magic (spec §"Header"): the first 8 bytes of every envelope. */
  public static final String ENVELOPE_MAGIC = "sealdrop";
  /** The only suite this version reads and writes (spec §"Suite"). */
  public static final String SUITE_V1 = "sealdrop/v1/xwing768x25519-hkdfsha256-aes256gcm64k-sha256-ed25519";
  /** HKDF info prefix for a recipient stanza's wrap key (spec §"Recipient stanzas"). */
  public static final String WRAP = "sealdrop/v1/wrap";
  /** HKDF info for the header MAC key (spec §"Key schedule"). */
  public static final String HEADER_MAC = "sealdrop/v1/header-mac";
  /** HKDF info for the metadata key (spec §"Key schedule"). */
  public static final String METADATA = "sealdrop/v1/metadata";
  /** HKDF info for the payload key; the HKDF salt is the header's payload salt (spec §"Key schedule"). */
  public static final String PAYLOAD = "sealdrop/v1/payload";
  /** Prefix of the ciphertext digest, the envelope's public fingerprint (spec §"Digest"). */
  public static final String DIGEST = "sealdrop/v1/digest";
  /** Prefix of the message the sender signs in the trailer (spec §"Trailer"). */
  public static final String SIGNATURE = "sealdrop/v1/signature";
  /** Prefix hashed with an X-Wing public key to form its fingerprint (spec §"Fingerprints"). */
  public static final String RECIPIENT_KEY_FP = "sealdrop/v1/fingerprint/recipient-key";
  /** Prefix hashed with an Ed25519 public key to form its fingerprint (spec §"Fingerprints"). */
  public static final String SIGNING_KEY_FP = "sealdrop/v1/fingerprint/signing-key";
  /** Prefix hashed with a bundle's identity and keys to form its fingerprint (spec §"Fingerprints"). */
  public static final String BUNDLE_FP = "sealdrop/v1/fingerprint/key-bundle";
  /** Key bundle magic (spec §"Key bundles"). */
  public static final String BUNDLE_MAGIC = "sdbundle";
  /** Prefix of the message a certificate key signs in a key bundle (spec §"Key bundles"). */
  public static final String BUNDLE_SIGNATURE = "sealdrop/v1/key-bundle";
  /** Private key file magic (spec §"Private key file"). */
  public static final String KEY_FILE_MAGIC = "sdprivk1";

  public static byte[] ascii(String label) {
    return label.getBytes(StandardCharsets.US_ASCII);
  }
}
