package dev.sealdrop.envelope;

import static dev.sealdrop.testing.Parties.ALICE;
import static dev.sealdrop.testing.Parties.BOB;
import static dev.sealdrop.testing.Parties.fromAlice;
import static dev.sealdrop.testing.Parties.to;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.testing.Envelopes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Issue 3: a property test over random sizes, chunk contents and write patterns. */
class RoundTripPropertyTest {
  @Property(tries = 60)
  void anyPlaintextWrittenInAnyPiecesOpensToItself(@ForAll @IntRange(min = 0, max = 4 * 65536 + 40) int size,
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 70_000) int maxPiece) throws Exception {
    byte[] plain = Envelopes.randomBytes(size, seed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealingOutputStream s = Envelope.seal(out, "alice", ALICE, List.of(to(BOB)), Envelopes.metadata(size));
    Random r = new Random(seed);
    for (int off = 0; off < size; ) {
      int n = Math.min(size - off, 1 + r.nextInt(maxPiece));
      if (n == 1) {
        s.write(plain[off]);
      } else {
        s.write(plain, off, n);
      }
      off += n;
    }
    s.close();

    Path dir = Files.createTempDirectory("sealdrop-prop");
    try {
      Path target = dir.resolve("out");
      OpenedFile o = Envelope.openToFile(new ByteArrayInputStream(out.toByteArray()), BOB, fromAlice(), target);
      assertThat(Files.readAllBytes(target)).isEqualTo(plain);
      assertThat(o.fingerprint()).isEqualTo(s.fingerprint());
      int chunks = Math.max(1, (size + 65535) / 65536);
      assertThat(out.size()).isEqualTo(new dev.sealdrop.testing.Layout(out.toByteArray()).headerEnd
          + size + 16L * chunks + 64);
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }
}
