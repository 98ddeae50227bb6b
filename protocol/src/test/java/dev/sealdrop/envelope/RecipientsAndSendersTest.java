package dev.sealdrop.envelope;

import static dev.sealdrop.testing.Parties.ALICE;
import static dev.sealdrop.testing.Parties.BOB;
import static dev.sealdrop.testing.Parties.CAROL;
import static dev.sealdrop.testing.Parties.DAVE;
import static dev.sealdrop.testing.Parties.fromAlice;
import static dev.sealdrop.testing.Parties.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.envelope.internal.CoRecipientForgery;
import dev.sealdrop.keys.SecretAccess;
import dev.sealdrop.testing.Envelopes;
import dev.sealdrop.testing.Opening;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 3: non-recipients, co-recipient forgery, and who the sender is. */
class RecipientsAndSendersTest {
  @TempDir Path dir;

  @Test
  void aNonRecipientCannotOpen() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", new byte[5000], List.of(to(BOB), to(CAROL)));
    assertThat(new Opening(dir).failure(s.bytes(), DAVE, fromAlice()))
        .isInstanceOf(NoMatchingIdentityException.class);
  }

  @Test
  void aCoRecipientWhoReEncryptsDifferentContentIsCaughtByTheSenderSignature() throws Exception {
    byte[] real = Envelopes.randomBytes(70_000, 1);
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", real, List.of(to(BOB), to(CAROL)));
    byte[] forgedContent = Arrays.copyOf("pay mallory".getBytes(java.nio.charset.StandardCharsets.US_ASCII), real.length);
    byte[] trailer = Arrays.copyOfRange(s.bytes(), s.bytes().length - 64, s.bytes().length);
    byte[] forged = CoRecipientForgery.forge(s.bytes(), BOB, forgedContent, trailer);

    assertThat(new Opening(dir).failure(forged, CAROL, fromAlice())).isInstanceOf(BadSignatureException.class);
    assertThatThrownBy(() -> EnvelopeInspector.inspect(new ByteArrayInputStream(forged), ALICE.publicKeys().signing()))
        .isInstanceOf(BadSignatureException.class);
    // Sanity: the forgery is otherwise perfect; the same bytes with the real content round-trip.
    byte[] replay = CoRecipientForgery.forge(s.bytes(), BOB, real, trailer);
    assertThat(replay).isEqualTo(s.bytes());
  }

  @Test
  void anEnvelopeIsOpenedOnlyForATrustedDeclaredSender() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", new byte[10], List.of(to(BOB)));
    Opening opening = new Opening(dir);
    // Right name, wrong key (a pinned key that changed), and an unknown name.
    assertThat(opening.failure(s.bytes(), BOB, SenderPolicy.exactly("alice", CAROL.publicKeys().signing())))
        .isInstanceOf(UntrustedSenderException.class).hasMessageContaining("alice");
    assertThat(opening.failure(s.bytes(), BOB, SenderPolicy.lookup(id -> Optional.empty())))
        .isInstanceOf(UntrustedSenderException.class);
    // Mallory claims to be alice but signs with her own key: refused before any decryption.
    Envelopes.Sealed spoof = Envelopes.seal(DAVE, "alice", new byte[10], List.of(to(BOB)));
    assertThat(opening.failure(spoof.bytes(), BOB, fromAlice())).isInstanceOf(UntrustedSenderException.class);
  }

  @Test
  void theInspectorRefusesAnEnvelopeWhoseDeclaredSenderIsNotTheUploader() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(DAVE, "alice", new byte[10], List.of(to(BOB)));
    EnvelopeInspector i = new EnvelopeInspector();
    i.update(s.bytes(), 0, s.bytes().length);
    assertThat(i.header()).map(HeaderInfo::senderIdentity).contains("alice");
    assertThatThrownBy(() -> i.finish(ALICE.publicKeys().signing())).isInstanceOf(UntrustedSenderException.class);
    assertThat(EnvelopeInspector.inspect(new ByteArrayInputStream(s.bytes()), DAVE.publicKeys().signing())
        .header().senderKeyFingerprint()).isEqualTo(DAVE.publicKeys().signing().fingerprint());
  }

  @Test
  void theSealerRefusesToCloseWhenTheDeclaredSizeWasNotWritten() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealingOutputStream s = Envelope.seal(out, "alice", ALICE, List.of(to(BOB)), Envelopes.metadata(10));
    s.write(new byte[9]);
    assertThatThrownBy(s::close).hasMessageContaining("declared 10");
    SealingOutputStream s2 = Envelope.seal(new ByteArrayOutputStream(), "alice", ALICE, List.of(to(BOB)),
        Envelopes.metadata(10));
    assertThatThrownBy(() -> s2.write(new byte[11])).hasMessageContaining("size() = 10");
    assertThatThrownBy(s2::fingerprint).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theSealersInputsAreValidatedAtTheDoor() {
    assertThatThrownBy(() -> Envelope.seal(new ByteArrayOutputStream(), "alice", ALICE, List.of(), Envelopes.metadata(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recipients");
    assertThatThrownBy(() -> Envelope.seal(new ByteArrayOutputStream(), "al\nice", ALICE, List.of(to(BOB)),
        Envelopes.metadata(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("senderIdentity");
    assertThatThrownBy(() -> new FileMetadata("", 1, "text/csv", Envelopes.CREATED))
        .hasMessageContaining("fileName");
    assertThatThrownBy(() -> new FileMetadata("a", -1, "text/csv", Envelopes.CREATED)).hasMessageContaining("size");
  }

  @Test
  void theSameSecretKeyBytesRestoreTheSameIdentity() throws Exception {
    byte[] raw = ALICE.bytes(SecretAccess.insecure());
    assertThat(dev.sealdrop.keys.PrivateKeys.fromBytes(raw, SecretAccess.insecure()).publicKeys())
        .isEqualTo(ALICE.publicKeys());
  }
}
