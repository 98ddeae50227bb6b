package dev.sealdrop.keys;

import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.XWing;
import java.util.Arrays;

/** An X-Wing public key that envelopes can be sealed to (spec §"Recipient stanzas"). Immutable. */
public final class RecipientKey {
  private final byte[] encoded;
  private final byte[] fingerprintHash;

  private RecipientKey(byte[] encoded) {
    this.encoded = encoded;
    this.fingerprintHash = Fingerprints.hash(Labels.RECIPIENT_KEY_FP, encoded);
  }

  /** Parses the 1216-byte X-Wing public key encoding. */
  public static RecipientKey decode(byte[] encoded) throws KeyFormatException {
    byte[] copy = encoded.clone();
    try {
      XWing.publicKey(copy);
    } catch (FormatException e) {
      throw new KeyFormatException("not a sealdrop recipient key: " + e.getMessage());
    }
    return new RecipientKey(copy);
  }

  static RecipientKey trusted(byte[] encoded) {
    return new RecipientKey(encoded);
  }

  public byte[] encoded() {
    return encoded.clone();
  }

  /** Short, stable, human-readable fingerprint (spec §"Fingerprints"). */
  public String fingerprint() {
    return Fingerprints.display(fingerprintHash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecipientKey r && Arrays.equals(encoded, r.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(fingerprintHash);
  }

  @Override
  public String toString() {
    return "RecipientKey[" + fingerprint() + "]";
  }
}
