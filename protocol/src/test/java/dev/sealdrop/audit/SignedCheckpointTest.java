package dev.sealdrop.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SignedCheckpointTest {
  private static final ChainHash HEAD = ChainHash.of(new byte[32]);
  private final AuditKey key = AuditFixtures.key(1);

  @Test
  void noteIsTheC2spBodyAnEmptyLineAndAnEmDashSignatureLine() throws Exception {
    SignedCheckpoint cp = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 42, HEAD), key);
    assertThat(cp.note()).startsWith(AuditFixtures.ORIGIN + "\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\u2014 "
        + AuditFixtures.ORIGIN + " ");
    SignedCheckpoint parsed = SignedCheckpoint.parse(cp.note());
    assertThat(parsed).isEqualTo(cp);
    assertThat(parsed.checkpoint()).isEqualTo(cp.checkpoint());
    assertThat(parsed.check(key.publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
    assertThat(parsed.check(AuditFixtures.key(2).publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.ABSENT);
  }

  @Test
  void unknownSignaturesAreIgnoredAsC2spRequires() throws Exception {
    SignedCheckpoint cp = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 1, HEAD), key);
    SignedCheckpoint witness = SignedCheckpoint.sign(cp.checkpoint(), AuditKey.testOnlyFromSeed("witness.example", new byte[32]));
    String cosigned = witness.note() + cp.note().substring(cp.note().indexOf("\n\n") + 2);
    SignedCheckpoint parsed = SignedCheckpoint.parse(cosigned);
    assertThat(parsed.signatures()).hasSize(2);
    assertThat(parsed.check(key.publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
  }

  @Test
  void malformedNotesAreRejected() {
    String good = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 7, HEAD), key).note();
    String[] bad = {
        good.substring(0, good.length() - 1),                       // no final newline
        good.replace("\n\n", "\n"),                                   // no blank line
        good.replace("\n7\n", "\n07\n"),                              // leading zero
        good.replace("\n7\n", "\n-7\n"),                              // negative
        good.replace("\n7\n", "\n7\nextension\n"),                    // extra body line
        good.replace("AAAA=", "AAA="),                                // short hash
        good.replace("\u2014 ", "-- "),                               // not an em dash
        good.replace("\n", "\r\n"),                                   // CRLF
        good.substring(0, good.indexOf("\n\n") + 2),                  // no signature
        "x".repeat(SignedCheckpoint.MAX_NOTE_CHARS + 1),
    };
    for (String b : bad) {
      assertThatThrownBy(() -> SignedCheckpoint.parse(b)).as(b).isInstanceOf(AuditFormatException.class);
    }
  }

  @Test
  void aSignatureInNonCanonicalBase64IsRejected() throws Exception {
    String good = SignedCheckpoint.sign(new Checkpoint(AuditFixtures.ORIGIN, 7, HEAD), key).note();
    assertThat(good).endsWith("=\n"); // 4-byte key id + 64-byte signature: 68 bytes, one padding character
    int eq = good.lastIndexOf('=');
    int last = eq - 1;
    while (good.charAt(last) == '=') {
      last--;
    }
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int v = alphabet.indexOf(good.charAt(last));
    // the same decoded bytes: only the unused low bits of the last character differ
    String sameBytes = good.substring(0, last) + alphabet.charAt(v ^ 1) + good.substring(last + 1);
    assertThatThrownBy(() -> SignedCheckpoint.parse(sameBytes)).isInstanceOf(AuditFormatException.class)
        .hasMessageContaining("canonical");
    String unpadded = good.substring(0, last + 1) + "\n";
    assertThatThrownBy(() -> SignedCheckpoint.parse(unpadded)).isInstanceOf(AuditFormatException.class);
    assertThat(SignedCheckpoint.parse(good).check(key.publicKey())).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
  }

  @Test
  void chainHashRejectsNonCanonicalBase64() {
    String canonical = HEAD.toString();
    assertThat(ChainHash.fromBase64(canonical)).isEqualTo(HEAD);
    assertThatThrownBy(() -> ChainHash.fromBase64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB="))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChainHash.fromBase64("AAAA")).isInstanceOf(IllegalArgumentException.class);
  }
}
