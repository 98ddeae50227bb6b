package dev.sealdrop.envelope;

import static dev.sealdrop.testing.Parties.ALICE;
import static dev.sealdrop.testing.Parties.BOB;
import static dev.sealdrop.testing.Parties.CAROL;
import static dev.sealdrop.testing.Parties.fromAlice;
import static dev.sealdrop.testing.Parties.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.testing.Envelopes;
import dev.sealdrop.testing.Layout;
import dev.sealdrop.testing.Opening;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 3, "Tamper": every modification fails with a typed error and leaves no plaintext behind. */
class TamperTest {
  static Envelopes.Sealed small;
  static Envelopes.Sealed multi;
  static byte[] multiPlain;

  @TempDir Path dir;

  @BeforeAll
  static void seal() throws Exception {
    small = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(100, 1), List.of(to(BOB)));
    multiPlain = Envelopes.randomBytes(3 * 65536 + 1000, 2);
    multi = Envelopes.seal(ALICE, "alice", multiPlain, List.of(to(BOB), to(CAROL)));
  }

  /** The error the spec's verification order prescribes for a flipped bit at {@code offset}. */
  static Set<Class<? extends EnvelopeException>> expectedFor(Layout l, int offset) {
    if (offset < 12 || offset >= l.macStart && offset < l.headerEnd) {
      return Set.of(MalformedEnvelopeException.class);
    }
    if (offset < l.identityStart) {
      return Set.of(UnknownSuiteException.class);
    }
    if (offset < l.senderKeyStart) {
      // Another identity (untrusted), or one that no longer parses (invalid UTF-8, misaligned).
      return Set.of(UntrustedSenderException.class, MalformedEnvelopeException.class);
    }
    if (offset < l.saltStart) {
      return Set.of(UntrustedSenderException.class);
    }
    if (offset >= l.stanzasStart && offset < l.metaLenStart && (offset - l.stanzasStart) % Layout.STANZA < 32) {
      return Set.of(NoMatchingIdentityException.class);
    }
    if (offset < l.headerEnd) {
      return Set.of(MalformedEnvelopeException.class);
    }
    if (offset < l.trailerStart) {
      return Set.of(TamperedPayloadException.class);
    }
    return Set.of(BadSignatureException.class);
  }

  @Test
  void everySingleBitFlipOfASmallEnvelopeFailsWithTheErrorOfItsField() throws Exception {
    byte[] e = small.bytes();
    Layout l = new Layout(e);
    Opening opening = new Opening(dir);
    for (long bit = 0; bit < e.length * 8L; bit++) {
      EnvelopeException x = opening.failure(Layout.flip(e, bit), BOB, fromAlice());
      assertThat(expectedFor(l, (int) (bit / 8))).as("bit %d: %s", bit, x).contains(x.getClass());
    }
  }

  @Test
  void aRandomSampleOfBitFlipsInAMultiChunkEnvelopeFails() throws Exception {
    byte[] e = multi.bytes();
    Layout l = new Layout(e);
    Opening opening = new Opening(dir);
    Random r = new Random(3);
    for (int i = 0; i < 250; i++) {
      long bit = (long) (r.nextDouble() * e.length * 8);
      EnvelopeException x = opening.failure(Layout.flip(e, bit), CAROL, fromAlice());
      assertThat(expectedFor(l, (int) (bit / 8))).as("bit %d: %s", bit, x).contains(x.getClass());
    }
  }

  @Test
  void truncationAtAndBetweenChunkBoundariesIsDetected() throws Exception {
    byte[] e = multi.bytes();
    Layout l = new Layout(e);
    Opening opening = new Opening(dir);
    for (int cut : new int[] {0, 5, 11, 12, 500, l.headerEnd - 1}) {
      assertThat(opening.failure(Arrays.copyOf(e, cut), BOB, fromAlice()))
          .isInstanceOf(MalformedEnvelopeException.class);
    }
    for (int k = 0; k <= 3; k++) {
      for (int delta : new int[] {0, 1, 16, 63, 64, 65, 79, 80, 81, 4096, Layout.CHUNK_CT - 1}) {
        int cut = l.chunkStart(k) + delta;
        if (cut >= e.length) {
          continue;
        }
        // told as cut short, with the lengths: the metadata (authenticated by the header MAC) announces the size
        assertThat(opening.failure(Arrays.copyOf(e, cut), BOB, fromAlice())).as("cut at %d", cut)
            .isInstanceOf(TamperedPayloadException.class)
            .isInstanceOfSatisfying(TruncatedEnvelopeException.class, t -> {
              assertThat(t.bytes()).isEqualTo(cut);
              assertThat(t.expectedBytes()).isEqualTo(e.length);
            })
            .hasMessage("the file ends after " + cut + " bytes, before the " + e.length + " bytes its header"
                + " announces: it was cut short, or altered");
      }
    }
    assertThat(opening.failure(Arrays.copyOf(e, e.length - 1), BOB, fromAlice()))
        .isInstanceOf(TruncatedEnvelopeException.class);
  }

  /** A flipped byte in the last chunk, or bytes appended, is tampering, not a cut: the length is not short. */
  @Test
  void anAlteredOrExtendedEnvelopeIsNotToldAsCutShort() throws Exception {
    Opening opening = new Opening(dir);
    for (Envelopes.Sealed s : List.of(small, multi)) {
      byte[] e = s.bytes();
      Layout l = new Layout(e);
      assertThat(opening.failure(Layout.flip(e, (long) (l.trailerStart - 20) * 8), BOB, fromAlice()))
          .isExactlyInstanceOf(TamperedPayloadException.class);
      assertThat(opening.failure(Layout.concat(e, new byte[100]), BOB, fromAlice()))
          .isExactlyInstanceOf(TamperedPayloadException.class);
    }
  }

  @Test
  void aRemovedTrailerIsDetected() throws Exception {
    Opening opening = new Opening(dir);
    for (Envelopes.Sealed s : List.of(small, multi)) {
      byte[] e = s.bytes();
      assertThat(opening.failure(Arrays.copyOf(e, e.length - 64), BOB, fromAlice()))
          .isInstanceOf(TruncatedEnvelopeException.class);
    }
  }

  @Test
  void reorderedDuplicatedDroppedOrAppendedChunksAreDetected() throws Exception {
    byte[] e = multi.bytes();
    Layout l = new Layout(e);
    byte[] h = l.header(e);
    byte[][] c = new byte[4][];
    for (int i = 0; i < 4; i++) {
      c[i] = Arrays.copyOfRange(e, l.chunkStart(i), i == 3 ? l.trailerStart : l.chunkStart(i + 1));
    }
    byte[] t = Arrays.copyOfRange(e, l.trailerStart, e.length);
    Opening opening = new Opening(dir);
    assertThat(opening.failure(Layout.concat(h, c[1], c[0], c[2], c[3], t), BOB, fromAlice()))
        .hasMessage("chunk 0 failed authentication; file corrupted or tampered with");
    assertThat(opening.failure(Layout.concat(h, c[0], c[0], c[1], c[2], c[3], t), BOB, fromAlice()))
        .hasMessage("chunk 1 failed authentication; file corrupted or tampered with");
    assertThat(opening.failure(Layout.concat(h, c[0], c[2], c[3], t), BOB, fromAlice()))
        .hasMessage("chunk 1 failed authentication; file corrupted or tampered with");
    assertThat(opening.failure(Layout.concat(h, c[0], c[1], c[3], c[2], t), BOB, fromAlice()))
        .isInstanceOf(TamperedPayloadException.class);
    // The last chunk moved into the middle: its last flag no longer matches its position.
    assertThat(opening.failure(Layout.concat(h, c[0], c[1], c[2], c[3], c[3], t), BOB, fromAlice()))
        .isInstanceOf(TamperedPayloadException.class);
    assertThat(opening.failure(Layout.concat(e, new byte[100]), BOB, fromAlice()))
        .isInstanceOf(TamperedPayloadException.class);
  }

  @Test
  void aHeaderSwappedBetweenTwoFilesIsDetected() throws Exception {
    Envelopes.Sealed other = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(100, 9), List.of(to(BOB)));
    byte[] a = small.bytes();
    byte[] b = other.bytes();
    Layout la = new Layout(a);
    Layout lb = new Layout(b);
    byte[] swapped = Layout.concat(lb.header(b), Arrays.copyOfRange(a, la.headerEnd, a.length));
    assertThat(new Opening(dir).failure(swapped, BOB, fromAlice()))
        .hasMessage("chunk 0 failed authentication; file corrupted or tampered with");
    assertThatThrownBy(() -> EnvelopeInspector.inspect(new ByteArrayInputStream(swapped), ALICE.publicKeys().signing()))
        .isInstanceOf(BadSignatureException.class);
  }

  @Test
  void aRemovedRecipientStanzaIsDetectedByTheHeaderMacAndTheSignature() throws Exception {
    byte[] e = multi.bytes();
    Layout l = new Layout(e);
    // Remove Carol's stanza (the second); fix the count and the body length so it still parses.
    int carol = l.stanzasStart + Layout.STANZA;
    byte[] cut = Layout.concat(Arrays.copyOf(e, carol), Arrays.copyOfRange(e, carol + Layout.STANZA, e.length));
    cut[l.countStart] = 1;
    java.nio.ByteBuffer.wrap(cut).putInt(8, java.nio.ByteBuffer.wrap(e).getInt(8) - Layout.STANZA);
    Opening opening = new Opening(dir);
    assertThat(opening.failure(cut, BOB, fromAlice()))
        .isInstanceOf(MalformedEnvelopeException.class)
        .hasMessageContaining("header failed authentication");
    assertThat(opening.failure(cut, CAROL, fromAlice())).isInstanceOf(NoMatchingIdentityException.class);
    assertThatThrownBy(() -> EnvelopeInspector.inspect(new ByteArrayInputStream(cut), ALICE.publicKeys().signing()))
        .isInstanceOf(BadSignatureException.class);
  }

  @Test
  void aLowOrderX25519PartInTheRecipientsEncapsulationIsAFailedStanzaNotARuntimeError() throws Exception {
    // X25519 of a low-order point is all zeros, which Bouncy Castle refuses with an
    // IllegalStateException; a modified file must still fail as a stanza that does not authenticate.
    Layout l = new Layout(small.bytes());
    int x25519Part = l.stanzasStart + 32 + 1088;
    Opening opening = new Opening(dir);
    for (byte u : new byte[] {0, 1}) {
      byte[] e = small.bytes().clone();
      Arrays.fill(e, x25519Part, x25519Part + 32, (byte) 0);
      e[x25519Part] = u;
      assertThat(opening.failure(e, BOB, fromAlice())).as("u = %d", u)
          .isInstanceOf(MalformedEnvelopeException.class)
          .hasMessageContaining("recipient stanza failed authentication");
    }
  }

  @Test
  void aChangedSuiteIsRefusedByReaderAndInspector() throws Exception {
    byte[] e = small.bytes().clone();
    int suiteByte = 12 + 1 + "sealdrop/v1/".length();
    e[suiteByte] = 'w';
    assertThat(new Opening(dir).failure(e, BOB, fromAlice()))
        .isInstanceOf(UnknownSuiteException.class).hasMessageContaining("sealdrop/v1/wwing768");
    EnvelopeInspector i = new EnvelopeInspector();
    assertThatThrownBy(() -> i.update(e, 0, e.length)).isInstanceOf(UnknownSuiteException.class);
    assertThat((UnknownSuiteException) new Opening(dir).failure(e, BOB, fromAlice())).satisfies(u -> {
      assertThat(u.sealdropSuite()).isTrue();
      assertThat(u.getMessage()).contains("upgrade sealdrop");
    });
  }

  /** Round AV: a suite no sealdrop names (one flipped bit of "sealdrop") is a damaged file, not a newer version's. */
  @Test
  void aDamagedSuiteIsNotTakenForANewerVersions() throws Exception {
    byte[] e = small.bytes().clone();
    e[12 + 1 + "seald".length()] = 's'; // "sealdsop/v1/..."
    assertThat(new Opening(dir).failure(e, BOB, fromAlice())).isInstanceOfSatisfying(UnknownSuiteException.class,
        u -> {
          assertThat(u.sealdropSuite()).isFalse();
          assertThat(u.getMessage()).contains("sealdsop/v1/", "damaged or not a sealdrop envelope")
              .doesNotContain("upgrade");
        });
  }

  @Test
  void aFailedOpenLeavesAnExistingTargetUntouched() throws Exception {
    Path target = dir.resolve("report.csv");
    Files.writeString(target, "previous version");
    byte[] e = Layout.flip(multi.bytes(), (multi.bytes().length - 200) * 8L);
    assertThatThrownBy(() -> Envelope.openToFile(new ByteArrayInputStream(e), BOB, fromAlice(), target))
        .isInstanceOf(TamperedPayloadException.class);
    assertThat(Files.readString(target)).isEqualTo("previous version");
    assertThat(Envelopes.listing(dir)).containsExactly("report.csv");
  }

  @Test
  void theInspectorRefusesPlaintextAfterEightBytes() {
    EnvelopeInspector i = new EnvelopeInspector();
    byte[] csv = "name,email\nACME,ceo@acme.example\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> i.update(csv, 0, 1)).isInstanceOf(MalformedEnvelopeException.class)
        .hasMessageContaining("not a sealdrop envelope");
    assertThatThrownBy(() -> i.update(csv, 1, 5)).isInstanceOf(IllegalStateException.class);
  }
}
