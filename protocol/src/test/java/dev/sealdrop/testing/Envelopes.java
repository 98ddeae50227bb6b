package dev.sealdrop.testing;

import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Test helpers: seal byte arrays, list directories. */
public final class Envelopes {
  private Envelopes() {}

  public static final Instant CREATED = Instant.parse("2026-11-23T09:00:00.123456789Z");

  public record Sealed(byte[] bytes, String fingerprint) {}

  public static FileMetadata metadata(long size) {
    return new FileMetadata("clients.csv", size, "text/csv", CREATED);
  }

  public static Sealed seal(PrivateKeys sender, String identity, byte[] plain, List<RecipientKey> to)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SealingOutputStream s = Envelope.seal(out, identity, sender, to, metadata(plain.length));
    s.write(plain);
    s.close();
    return new Sealed(out.toByteArray(), s.fingerprint());
  }

  public static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static List<String> listing(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
