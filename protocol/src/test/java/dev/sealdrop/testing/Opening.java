package dev.sealdrop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.keys.PrivateKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens envelopes through the real file API and checks the one property every failure must
 * have: the destination directory holds nothing new (no plaintext, no temporary file).
 */
public final class Opening {
  private final Path dir;

  public Opening(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  /** Opens {@code envelope}; it must fail. Returns the failure after checking nothing was left behind. */
  public EnvelopeException failure(byte[] envelope, PrivateKeys me, SenderPolicy trust) {
    Path target = dir.resolve("plain.out");
    try {
      Envelope.openToFile(new ByteArrayInputStream(envelope), me, trust, target);
    } catch (EnvelopeException e) {
      assertThat(Envelopes.listing(dir)).as("files left after %s", e.getMessage()).isEmpty();
      assertThat(e.getMessage()).doesNotContainIgnoringCase("exception");
      return e;
    } catch (IOException e) {
      throw new AssertionError("expected an EnvelopeException, got " + e, e);
    }
    throw new AssertionError("a modified envelope opened without error");
  }
}
