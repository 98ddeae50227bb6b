package dev.sealdrop.keys;

import java.util.Objects;

/** The public half of a sealdrop identity: where to seal to, and how to check its signatures. */
public record PublicKeys(RecipientKey encryption, VerifyingKey signing) {
  public PublicKeys {
    Objects.requireNonNull(encryption, "encryption");
    Objects.requireNonNull(signing, "signing");
  }
}
