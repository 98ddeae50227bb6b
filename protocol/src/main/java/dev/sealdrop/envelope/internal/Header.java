package dev.sealdrop.envelope.internal;

import java.util.List;

/**
 * A parsed envelope header, with the exact bytes it was parsed from ({@code raw}) and their
 * SHA-256 ({@code hash}). Nothing is ever re-serialised: hashes and MACs cover {@code raw}.
 */
public record Header(byte[] raw, byte[] hash, String suite, String senderIdentity, byte[] senderKey,
    byte[] payloadSalt, List<Stanza> stanzas, byte[] metadataCiphertext, byte[] mac) {

  /** One recipient's wrapped copy of the file key. */
  public record Stanza(byte[] recipientFingerprint, byte[] encapsulation, byte[] wrappedFileKey) {}

  /** Length of the MAC'd prefix: everything before the 32-byte MAC. */
  public int macInputLength() {
    return raw.length - Suite.MAC_BYTES;
  }
}
