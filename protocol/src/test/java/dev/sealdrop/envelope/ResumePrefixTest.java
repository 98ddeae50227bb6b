package dev.sealdrop.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.testing.Envelopes;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open whose input breaks off keeps, in the resume file, exactly the envelope's first bytes it had
 * verified (re-created from the plaintext it wrote), so that a later open can read them back and continue
 * the input from there; it never writes a byte that did not arrive, and leaves no plaintext behind.
 */
class ResumePrefixTest {
  static final PrivateKeys ALICE = PrivateKeys.generate();
  static final PrivateKeys BOB = PrivateKeys.generate();
  static final SenderPolicy FROM_ALICE = SenderPolicy.exactly("alice", ALICE.publicKeys().signing());
  static final byte[] PLAIN = Envelopes.randomBytes(40 * 65536 + 123, 11);
  static final Envelopes.Sealed SEALED = sealed();

  private static Envelopes.Sealed sealed() {
    try {
      return Envelopes.seal(ALICE, "alice", PLAIN, List.of(BOB.publicKeys().encryption()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @TempDir Path dir;

  /** The envelope's first {@code n} bytes, then a broken connection; {@code atBreak} runs just before it. */
  private static InputStream breaksAfter(byte[] envelope, int n, Runnable atBreak) {
    return new FilterInputStream(new ByteArrayInputStream(envelope, 0, n)) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int r = super.read(b, off, len);
        if (r == -1) {
          atBreak.run();
          throw new IOException("connection reset");
        }
        return r;
      }
    };
  }

  private static List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aBrokenInputKeepsTheVerifiedPrefixByteForByteAndAResumedOpenFinishes() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path resume = Files.createDirectories(dir.resolve("state")).resolve("t.sealed");
    int cut = 1_000_000;
    IOException broke = catchThrowableOfType(IOException.class, () -> Envelope.openIntoDirectory(
        breaksAfter(SEALED.bytes(), cut, () -> { }), BOB, FROM_ALICE, out, false, ".sealdrop-t-", resume));
    assertThat(broke).hasMessage("connection reset");
    assertThat(broke.getSuppressed()).isEmpty();
    assertThat(names(out)).as("no plaintext left in the output folder").isEmpty();
    assertThat(names(resume.getParent())).containsExactly("t.sealed");

    byte[] kept = Files.readAllBytes(resume);
    int headerBytes = SEALED.bytes().length - 40 * 65552 - (123 + 16) - 64;
    // every chunk that was opened, not the one the framer still held when the input broke
    assertThat(kept.length).isLessThanOrEqualTo(cut).isGreaterThan(cut - 3 * 65552)
        .isEqualTo(headerBytes + (kept.length - headerBytes) / 65552 * 65552);
    assertThat(Arrays.mismatch(kept, Arrays.copyOf(SEALED.bytes(), kept.length))).as("first byte that differs")
        .isEqualTo(-1);

    InputStream resumed = new SequenceInputStream(new ByteArrayInputStream(kept),
        new ByteArrayInputStream(SEALED.bytes(), kept.length, SEALED.bytes().length - kept.length));
    OpenedFile o = Envelope.openIntoDirectory(resumed, BOB, FROM_ALICE, out, false, ".sealdrop-t-", resume);
    assertThat(Files.readAllBytes(o.path())).isEqualTo(PLAIN);
    assertThat(o.fingerprint()).isEqualTo(SEALED.fingerprint());
  }

  @Test
  void aBreakInsideTheHeaderKeepsNothingAndLeavesAnEarlierResumeFileAlone() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path resume = Files.createDirectories(dir.resolve("state")).resolve("t.sealed");
    byte[] earlier = Arrays.copyOf(SEALED.bytes(), 5000);
    Files.write(resume, earlier);
    catchThrowableOfType(IOException.class, () -> Envelope.openIntoDirectory(breaksAfter(SEALED.bytes(), 100,
        () -> { }), BOB, FROM_ALICE, out, false, ".sealdrop-t-", resume));
    assertThat(Files.readAllBytes(resume)).isEqualTo(earlier);
    assertThat(names(out)).isEmpty();
  }

  @Test
  void aPlaintextChangedBeforeTheBreakKeepsNothingNewAndSaysSo() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path resume = Files.createDirectories(dir.resolve("state")).resolve("t.sealed");
    byte[] earlier = Arrays.copyOf(SEALED.bytes(), 5000);
    Files.write(resume, earlier);
    Runnable tamper = () -> {
      try (Stream<Path> s = Files.list(out)) {
        Path partial = s.filter(p -> p.getFileName().toString().endsWith(".part")).findFirst().orElseThrow();
        // the plaintext is written a block at a time by a background thread: change a byte it has written
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.size(partial) < 512 * 1024 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(new byte[] {'X'}), 70_000); // inside chunk 1, already written
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    };
    IOException broke = catchThrowableOfType(IOException.class, () -> Envelope.openIntoDirectory(
        breaksAfter(SEALED.bytes(), 1_000_000, tamper), BOB, FROM_ALICE, out, false, ".sealdrop-t-", resume));
    assertThat(broke).hasMessage("connection reset");
    assertThat(broke.getSuppressed()).singleElement().extracting(Throwable::getMessage).asString()
        .contains("no longer re-creates what arrived");
    assertThat(Files.readAllBytes(resume)).as("only bytes that arrived are ever kept").isEqualTo(earlier);
    assertThat(names(resume.getParent())).as("no temporary file left").containsExactly("t.sealed");
    assertThat(names(out)).isEmpty();
  }

  @Test
  void whatAKilledKeepingLeftBesideTheResumeFileIsRemovedAndNothingElse() throws Exception {
    Path state = Files.createDirectories(dir.resolve("state"));
    Path resume = state.resolve("t.sealed");
    Files.write(resume, new byte[] {1});
    Path left = Files.write(state.resolve(".t.sealed-8123.part"), new byte[] {2});
    Path other = Files.write(state.resolve(".u.sealed-8123.part"), new byte[] {3});
    Path unlike = Files.write(state.resolve(".t.sealed-8123.tmp"), new byte[] {4});
    Envelope.removeResumeLeftovers(resume);
    assertThat(left).doesNotExist();
    assertThat(names(state)).containsExactly(".t.sealed-8123.tmp", ".u.sealed-8123.part", "t.sealed");
    assertThat(other).exists();
    assertThat(unlike).exists();
    Envelope.removeResumeLeftovers(dir.resolve("absent/t.sealed")); // no folder: nothing to do
  }

  @Test
  void aFailureThatIsTheEnvelopesKeepsNothing() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path resume = Files.createDirectories(dir.resolve("state")).resolve("t.sealed");
    byte[] tampered = SEALED.bytes().clone();
    tampered[tampered.length / 2] ^= 1;
    catchThrowableOfType(TamperedPayloadException.class, () -> Envelope.openIntoDirectory(
        new ByteArrayInputStream(tampered), BOB, FROM_ALICE, out, false, ".sealdrop-t-", resume));
    assertThat(resume).doesNotExist();
    assertThat(names(out)).isEmpty();
  }
}
