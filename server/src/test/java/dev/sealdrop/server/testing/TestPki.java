package dev.sealdrop.server.testing;

import dev.sealdrop.certsdev.DevPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One development PKI per test JVM (generating it costs key generation for seven certificates). */
public final class TestPki {
  private static DevPki pki;

  private TestPki() {}

  public static synchronized DevPki get() {
    if (pki == null) {
      try {
        pki = DevPki.loadOrCreate(Files.createTempDirectory("sealdrop-test-pki"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pki;
  }

  public static Path dir() {
    return get().dir();
  }
}
