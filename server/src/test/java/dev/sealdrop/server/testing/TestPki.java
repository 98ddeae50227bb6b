package dev.sealdrop.server.testing;

import dev.sealdrop.certsdev.DevPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One development PKI per test JVM (generating it costs key generation for seven certificates), in
 * a temporary folder that is deleted when the JVM exits: it holds only test keys, and one folder
 * was left behind per test JVM before ({@code TestPkiCleanupTest}).
 */
public final class TestPki {
  private static DevPki pki;

  private TestPki() {}

  public static synchronized DevPki get() {
    if (pki == null) {
      try {
        Path dir = Files.createTempDirectory("sealdrop-test-pki");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "sealdrop-test-pki-cleanup"));
        pki = DevPki.loadOrCreate(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pki;
  }

  public static Path dir() {
    return get().dir();
  }

  /** Deletes {@code dir} and everything under it, as far as it can (a shutdown hook has no one to tell). */
  static void deleteTree(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete the test PKI folder " + dir + ": " + e);
    }
  }
}
