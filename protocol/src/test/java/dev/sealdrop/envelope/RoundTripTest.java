package dev.sealdrop.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.testing.Envelopes;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoundTripTest {
  static final PrivateKeys ALICE = PrivateKeys.generate();
  static final PrivateKeys BOB = PrivateKeys.generate();
  static final PrivateKeys CAROL = PrivateKeys.generate();

  @TempDir Path dir;

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(ints = {0, 1, 65535, 65536, 65537, 3 * 65536, 3 * 65536 + 1})
  void sealedBytesOpenToTheSamePlaintextAndTheInspectorAgrees(int size) throws Exception {
    byte[] plain = Envelopes.randomBytes(size, size);
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", plain, List.of(BOB.publicKeys().encryption()));

    Path target = dir.resolve("out.bin");
    OpenedFile opened = Envelope.openToFile(new ByteArrayInputStream(s.bytes()), BOB,
        SenderPolicy.exactly("alice", ALICE.publicKeys().signing()), target);

    assertThat(Files.readAllBytes(target)).isEqualTo(plain);
    assertThat(opened.senderIdentity()).isEqualTo("alice");
    assertThat(opened.fingerprint()).isEqualTo(s.fingerprint()).matches("[0-9a-f]{64}");
    assertThat(opened.metadata().size()).isEqualTo(size);
    assertThat(opened.metadata().fileName()).isEqualTo("clients.csv");

    InspectionResult r = EnvelopeInspector.inspect(new ByteArrayInputStream(s.bytes()), ALICE.publicKeys().signing());
    assertThat(r.fingerprint()).isEqualTo(s.fingerprint());
    assertThat(r.size()).isEqualTo(s.bytes().length);
    // the size an upload announces before sealing is a lower bound, short by the header body only
    long atLeast = new FileMetadata("clients.csv", size, "", java.time.Instant.EPOCH).envelopeSizeAtLeast();
    assertThat(atLeast).isLessThanOrEqualTo(s.bytes().length).isGreaterThan(s.bytes().length - 4096L);
    assertThat(r.header().senderIdentity()).isEqualTo("alice");
    assertThat(r.header().senderKeyFingerprint()).isEqualTo(ALICE.publicKeys().signing().fingerprint());
    assertThat(r.header().recipientKeyFingerprints()).containsExactly(BOB.publicKeys().encryption().fingerprint());
    assertThat(Envelopes.listing(dir)).containsExactly("out.bin");
  }

  /**
   * Review DM: opened to a file name without overwrite, a file created under that name while the envelope was being
   * opened is never replaced (it was: the name was checked before, and the verified file renamed over it after).
   */
  @Test
  void aFileCreatedUnderTheTargetNameWhileOpeningIsNotReplacedWithoutOverwrite() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(200_000, 5),
        List.of(BOB.publicKeys().encryption()));
    Path target = dir.resolve("report.pdf");
    java.io.InputStream racing = new java.io.FilterInputStream(new ByteArrayInputStream(s.bytes())) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        if (!Files.exists(target)) {
          Files.writeString(target, "saved meanwhile"); // another program saves its own file under that name
        }
        return super.read(b, off, len);
      }
    };
    assertThatThrownBy(() -> Envelope.openToFile(racing, BOB, SenderPolicy.exactly("alice", ALICE.publicKeys()
        .signing()), target, Envelope.PARTIAL_PREFIX, false)).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(target).hasContent("saved meanwhile");
    assertThat(Envelopes.listing(dir)).containsExactly("report.pdf");
  }

  @Test
  void everyRecipientOpensAndTheSenderCanAddItself() throws Exception {
    byte[] plain = Envelopes.randomBytes(100_000, 7);
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", plain, List.of(BOB.publicKeys().encryption(),
        CAROL.publicKeys().encryption(), ALICE.publicKeys().encryption()));
    for (PrivateKeys who : List.of(BOB, CAROL, ALICE)) {
      OpenedFile o = Envelope.openIntoDirectory(new ByteArrayInputStream(s.bytes()), who,
          SenderPolicy.exactly("alice", ALICE.publicKeys().signing()), dir, true);
      assertThat(o.path()).isEqualTo(dir.resolve("clients.csv"));
      assertThat(Files.readAllBytes(o.path())).isEqualTo(plain);
    }
  }

  @Test
  void theTemporaryFileCarriesTheCallersPrefixAndBadPrefixesAreRefused() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(70_000, 3),
        List.of(BOB.publicKeys().encryption()));
    SenderPolicy alice = SenderPolicy.exactly("alice", ALICE.publicKeys().signing());
    List<String> seenWhileOpening = new java.util.ArrayList<>();
    java.io.InputStream watched = new java.io.FilterInputStream(new ByteArrayInputStream(s.bytes())) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        if (seenWhileOpening.isEmpty()) {
          seenWhileOpening.addAll(Envelopes.listing(dir));
        }
        return super.read(b, off, len);
      }
    };
    Envelope.openIntoDirectory(watched, BOB, alice, dir, false, ".sealdrop-0123abcd-");
    assertThat(seenWhileOpening).singleElement().asString().startsWith(".sealdrop-0123abcd-").endsWith(".part");
    assertThat(Envelopes.listing(dir)).containsExactly("clients.csv");

    for (String bad : new String[] {"", "x-", ".sealdrop", "../.sealdrop-", ".sealdrop-a/b", ".sealdrop-a.b",
        ".sealdrop-" + "a".repeat(65)}) {
      assertThatThrownBy(() -> Envelope.openIntoDirectory(new ByteArrayInputStream(s.bytes()), BOB, alice, dir, true,
          bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Envelopes.listing(dir)).containsExactly("clients.csv");
  }

  @Test
  void openIntoDirectoryRefusesToOverwriteAndLeavesNothingBehind() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", new byte[10], List.of(BOB.publicKeys().encryption()));
    Files.writeString(dir.resolve("clients.csv"), "keep me");
    assertThatThrownBy(() -> Envelope.openIntoDirectory(new ByteArrayInputStream(s.bytes()), BOB,
        SenderPolicy.exactly("alice", ALICE.publicKeys().signing()), dir, false))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(Files.readString(dir.resolve("clients.csv"))).isEqualTo("keep me");
    assertThat(Envelopes.listing(dir)).containsExactly("clients.csv");
  }

  /**
   * Review EE: a file whose name sanitizes to nothing ({@code -}, {@code ~}) is written as {@code sealdrop-FP16.bin};
   * with its fingerprint expected (a receive knows it from the grant), a file of that name is found before anything is
   * read past the metadata, not after the whole file (a one-time grant used up for a name clash).
   */
  @Test
  void aFallbackNameAlreadyTakenIsFoundWhenTheMetadataArrivesIfTheFingerprintIsExpected() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    SealingOutputStream sealing = Envelope.seal(out, "alice", ALICE, List.of(BOB.publicKeys().encryption()),
        new FileMetadata("-", 200_000, "text/csv", Envelopes.CREATED));
    sealing.write(Envelopes.randomBytes(200_000, 9));
    sealing.close();
    byte[] bytes = out.toByteArray();
    Path taken = Files.writeString(dir.resolve("sealdrop-" + sealing.fingerprint().substring(0, 16) + ".bin"), "mine");
    int[] read = {0};
    java.io.InputStream counting = new java.io.FilterInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      public int read(byte[] b, int off, int len) throws java.io.IOException {
        int n = super.read(b, off, len);
        read[0] += Math.max(n, 0);
        return n;
      }
    };
    assertThatThrownBy(() -> Envelope.openIntoDirectory(counting, BOB, SenderPolicy.exactly("alice",
        ALICE.publicKeys().signing()), dir, false, Envelope.PARTIAL_PREFIX + "fallback-", null,
        sealing.fingerprint())).isInstanceOf(java.nio.file.FileAlreadyExistsException.class)
        .hasMessageContaining(taken.getFileName().toString());
    assertThat(read[0]).as("refused at the metadata, not after the file").isLessThan(bytes.length / 2);
    assertThat(Files.readString(taken)).isEqualTo("mine");
  }

  /**
   * The caller is told where the file goes as soon as its name is known, and again, with the temporary file that becomes
   * it, before it is published (so a process stopped right after can know the file is its own); a refusal from either
   * publishes nothing and leaves nothing behind.
   */
  @Test
  void thePlacementIsToldWhereTheFileGoesBeforeItIsThereAndMayRefuse() throws Exception {
    Envelopes.Sealed s = Envelopes.seal(ALICE, "alice", Envelopes.randomBytes(70_000, 5),
        List.of(BOB.publicKeys().encryption()));
    SenderPolicy alice = SenderPolicy.exactly("alice", ALICE.publicKeys().signing());
    List<String> told = new java.util.ArrayList<>();
    Object[] temporaryKey = new Object[1];
    OpenedFile o = Envelope.openIntoDirectory(new ByteArrayInputStream(s.bytes()), BOB, alice, dir, false,
        Envelope.PARTIAL_PREFIX, null, null, new Envelope.Placement() {
          @Override
          public void named(Path target) {
            told.add("named " + target.getFileName() + " exists=" + Files.exists(target));
          }

          @Override
          public void publishing(Path temporary, OpenedFile file) throws java.io.IOException {
            told.add("publishing " + file.path().getFileName() + " exists=" + Files.exists(file.path()));
            temporaryKey[0] = Files.readAttributes(temporary, java.nio.file.attribute.BasicFileAttributes.class)
                .fileKey();
          }
        });
    assertThat(told).containsExactly("named clients.csv exists=false", "publishing clients.csv exists=false");
    assertThat(Files.readAttributes(o.path(), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .as("the temporary file became the published one").isEqualTo(temporaryKey[0]);

    for (boolean early : new boolean[] {true, false}) {
      Path into = Files.createDirectories(dir.resolve("refused-" + early));
      java.io.IOException no = new java.io.IOException("not there");
      assertThatThrownBy(() -> Envelope.openIntoDirectory(new ByteArrayInputStream(s.bytes()), BOB, alice, into, true,
          Envelope.PARTIAL_PREFIX, null, null, new Envelope.Placement() {
            @Override
            public void named(Path target) throws java.io.IOException {
              if (early) {
                throw no;
              }
            }

            @Override
            public void publishing(Path temporary, OpenedFile file) throws java.io.IOException {
              throw no;
            }
          })).isSameAs(no);
      assertThat(Envelopes.listing(into)).as("nothing published, no temporary file left").isEmpty();
    }
  }
}
