package dev.sealdrop.envelope;

import static dev.sealdrop.testing.Parties.ALICE;
import static dev.sealdrop.testing.Parties.BOB;
import static dev.sealdrop.testing.Parties.to;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.testing.Envelopes;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server that resumes an upload continues its inspection from the progress it saved at a checkpoint: it reads the
 * header and a few chunks again, not the whole stored prefix (review DN: a transferor looping cancelled resumes of a
 * large upload made the server read it all each time), and the result is the one of an inspection in one go.
 */
class InspectorResumeTest {
  static final int CHUNK_CT = 65536 + 16;
  static byte[] envelope;
  static byte[] other;
  static InspectionResult whole;
  static int headerLength;

  @BeforeAll
  static void seal() throws Exception {
    envelope = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(60 * 65536 + 777, 7), List.of(to(BOB))).bytes();
    other = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(60 * 65536 + 777, 8), List.of(to(BOB))).bytes();
    whole = EnvelopeInspector.inspect(new ByteArrayInputStream(envelope), ALICE.publicKeys().signing());
    headerLength = envelope.length - 60 * CHUNK_CT - (777 + 16) - 64;
  }

  /** Feeds {@code [0, upTo)} in pieces of random sizes and returns the progress saved then. */
  static byte[] progressAfter(int upTo, Random random) throws EnvelopeException {
    EnvelopeInspector i = new EnvelopeInspector();
    for (int at = 0; at < upTo; ) {
      int n = Math.min(upTo - at, 1 + random.nextInt(200_000));
      i.update(envelope, at, n);
      at += n;
    }
    return i.progress().orElseThrow();
  }

  static EnvelopeInspector.StoredBytes stored(byte[] bytes) {
    return (from, to) -> new ByteArrayInputStream(bytes, (int) from, (int) (to - from));
  }

  static InspectionResult finishFrom(EnvelopeInspector i, int length) throws EnvelopeException {
    i.update(envelope, length, envelope.length - length);
    return i.finish(ALICE.publicKeys().signing());
  }

  @Test
  void aResumeFromAnySavedProgressEndsAsAnInspectionInOneGo() throws Exception {
    Random random = new Random(1);
    List<Integer> points = new ArrayList<>(List.of(headerLength, headerLength + 1, headerLength + CHUNK_CT,
        headerLength + CHUNK_CT + 64, headerLength + CHUNK_CT + 65, headerLength + 2 * CHUNK_CT + 65,
        envelope.length - 1, envelope.length));
    for (int k = 0; k < 12; k++) {
      points.add(headerLength + random.nextInt(envelope.length - headerLength));
    }
    for (int saved : points) {
      byte[] progress = progressAfter(saved, random);
      for (int length : new int[] {saved, saved + (envelope.length - saved) / 2, envelope.length}) {
        EnvelopeInspector i = EnvelopeInspector.resume(length, progress, stored(envelope));
        InspectionResult r = finishFrom(i, length);
        assertThat(r.fingerprint()).as("saved at %d, resumed at %d", saved, length).isEqualTo(whole.fingerprint());
        assertThat(r.size()).isEqualTo(whole.size());
      }
    }
  }

  @Test
  void aResumeReadsTheHeaderAndTheLastChunksOnly() throws Exception {
    int saved = headerLength + 50 * CHUNK_CT + 1000;
    byte[] progress = progressAfter(saved, new Random(2));
    EnvelopeInspector i = EnvelopeInspector.resume(saved, progress, stored(envelope));
    // the hashing thread may lag by up to 3 batches of 4 chunks (ChunkHasher.DEPTH), and one chunk is held back
    assertThat(i.bytesReread()).isLessThanOrEqualTo(headerLength + 14L * CHUNK_CT + 1000).isLessThan(saved / 3);
    assertThat(finishFrom(i, saved).fingerprint()).isEqualTo(whole.fingerprint());
  }

  @Test
  void withoutAProgressEveryStoredByteIsRead() throws Exception {
    int length = headerLength + 20 * CHUNK_CT;
    EnvelopeInspector i = EnvelopeInspector.resume(length, null, stored(envelope));
    assertThat(i.bytesReread()).isEqualTo(length);
    assertThat(finishFrom(i, length).fingerprint()).isEqualTo(whole.fingerprint());
  }

  @Test
  void anUnusableProgressFallsBackToReadingEverything() throws Exception {
    int length = headerLength + 30 * CHUNK_CT;
    byte[] progress = progressAfter(length, new Random(3));
    byte[] newer = progress.clone();
    newer[0] = 2; // a version this one does not know
    byte[] cut = Arrays.copyOf(progress, progress.length - 1);
    byte[] otherHeader = progress.clone();
    otherHeader[4] ^= 1; // another header length
    byte[] tooFar = progressAfter(envelope.length - 10, new Random(4)); // saved past the length resumed
    for (byte[] p : List.of(newer, cut, otherHeader, tooFar, new byte[0])) {
      EnvelopeInspector i = EnvelopeInspector.resume(length, p, stored(envelope));
      assertThat(i.bytesReread()).isEqualTo(length);
      assertThat(finishFrom(i, length).fingerprint()).isEqualTo(whole.fingerprint());
    }
  }

  @Test
  void aProgressOfAnotherEnvelopeFailsTheSignatureNeverPasses() throws Exception {
    int length = headerLength + 30 * CHUNK_CT;
    EnvelopeInspector fedOther = new EnvelopeInspector();
    fedOther.update(other, 0, length);
    byte[] ofOther = fedOther.progress().orElseThrow();
    EnvelopeInspector i = EnvelopeInspector.resume(length, ofOther, stored(envelope));
    assertThat(i.bytesReread()).isLessThan(length / 2);
    i.update(envelope, length, envelope.length - length);
    assertThatThrownBy(() -> i.finish(ALICE.publicKeys().signing())).isInstanceOf(BadSignatureException.class);
  }

  @Test
  void aStoredPrefixShorterThanItsLengthIsAnError() {
    byte[] shorter = Arrays.copyOf(envelope, headerLength + 5 * CHUNK_CT);
    assertThatThrownBy(() -> EnvelopeInspector.resume(headerLength + 6L * CHUNK_CT, null, stored(shorter)))
        .isInstanceOf(EOFException.class);
  }

  @Test
  void aStoredPrefixThatIsNoEnvelopeIsRefusedAsUpdateRefusesIt() {
    byte[] garbage = Envelopes.randomBytes(4096, 9);
    assertThatThrownBy(() -> EnvelopeInspector.resume(garbage.length, null, stored(garbage)))
        .isInstanceOf(MalformedEnvelopeException.class);
  }

  @Test
  void progressIsSmallAndAbsentBeforeTheHeaderAndAfterTheEnd() throws IOException {
    EnvelopeInspector i = new EnvelopeInspector();
    i.update(envelope, 0, headerLength - 1);
    assertThat(i.progress()).isEmpty();
    i.update(envelope, headerLength - 1, envelope.length - headerLength + 1);
    assertThat(i.progress()).get().satisfies(p -> assertThat(p.length).isLessThan(200));
    i.finish(ALICE.publicKeys().signing());
    assertThat(i.progress()).isEmpty();
  }
}
