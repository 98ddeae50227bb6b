package dev.sealdrop.envelope;

import java.util.List;

/**
 * What anyone can read from an envelope header without a key.
 *
 * @param suite the suite identifier
 * @param senderIdentity the declared sender (authenticated only once the trailer verifies)
 * @param senderKeyFingerprint fingerprint of the declared sender's Ed25519 key
 * @param recipientKeyFingerprints fingerprints of the recipients' X-Wing keys, in header order
 */
public record HeaderInfo(String suite, String senderIdentity, String senderKeyFingerprint,
    List<String> recipientKeyFingerprints) {
  public HeaderInfo {
    recipientKeyFingerprints = List.copyOf(recipientKeyFingerprints);
  }
}
