package dev.sealdrop.envelope.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.EnvelopeInspector;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.VerifyingKey;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;

/**
 * Coverage-guided fuzz targets (Jazzer) for the three parsers that see untrusted bytes: the
 * header codec, the keyless inspector (the server), and the recipient's opener. In every build
 * they run as regression tests over the committed seeds in
 * {@code src/test/resources/dev/sealdrop/envelope/internal/EnvelopeFuzzTestInputs/<target>/};
 * the long-run command is in docs/fuzzing.md. The only acceptable outcome for bad input is an
 * {@link EnvelopeException}; anything else (an unchecked exception, an OutOfMemoryError from an
 * unbounded allocation, a hang) is a finding.
 */
class EnvelopeFuzzTest {
  private static final PrivateKeys BOB;
  private static final VerifyingKey ALICE;

  static {
    try {
      BOB = VectorGenerator.party("bob");
      ALICE = VectorGenerator.party("alice").publicKeys().signing();
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void headerParser(byte[] input) {
    try {
      Header h = HeaderCodec.parse(input);
      if (h.raw() != input || h.stanzas().isEmpty()) {
        throw new IllegalStateException("parser accepted a header it misrepresents");
      }
    } catch (EnvelopeException expected) {
      // Refused with a typed error: fine.
    }
  }

  @FuzzTest(maxDuration = "60s")
  void inspector(byte[] input) {
    EnvelopeInspector i = new EnvelopeInspector();
    try {
      // Odd-sized pieces exercise the framer's state machine across boundaries.
      for (int off = 0; off < input.length; ) {
        int n = Math.min(input.length - off, 1 + (off * 31 + 7) % 5000);
        i.update(input, off, n);
        off += n;
      }
      i.finish(ALICE);
    } catch (EnvelopeException expected) {
      // Refused with a typed error: fine.
    }
  }

  @FuzzTest(maxDuration = "60s")
  void opener(byte[] input) throws Exception {
    try {
      Opener.open(new ByteArrayInputStream(input), BOB, SenderPolicy.exactly("alice", ALICE),
          OutputStream.nullOutputStream(), null);
    } catch (EnvelopeException expected) {
      // Refused with a typed error: fine.
    }
  }
}
