package dev.sealdrop.client.cli;

import dev.sealdrop.envelope.Envelope;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * While a file is being opened, the envelope library decrypts into a hidden temporary file
 * ({@code .sealdrop-*}) beside the destination and deletes it on any failure. If the process is
 * interrupted (Ctrl-C, SIGTERM), no {@code finally} runs; this guard's shutdown hook then deletes
 * the temporary files that appeared during this run, so unverified plaintext does not linger.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the folder is the user's chosen destination")
public final class PartialFileGuard implements AutoCloseable {
  public static final String PREFIX = Envelope.PARTIAL_PREFIX;

  private final Path directory;
  private final String transferPrefix;
  private final Set<Path> before;
  private final Thread hook;

  private PartialFileGuard(Path directory, String transferPrefix) throws IOException {
    requireOwnPrefix(transferPrefix);
    this.directory = directory;
    this.transferPrefix = transferPrefix;
    this.before = temporaries(directory);
    this.hook = new Thread(this::clean, "sealdrop-partial-file-guard");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Guards {@code directory} until closed: a signal deletes the temporary files named {@code transferPrefix}... that
   * appeared since, this run's own (review DQ: every {@code .sealdrop-*} file that appeared, so a Ctrl-C of one receive
   * deleted the plaintext another receive or open was writing into the same folder, whose whole download then failed).
   */
  static PartialFileGuard watch(Path directory, String transferPrefix) throws IOException {
    return new PartialFileGuard(directory.toAbsolutePath(), transferPrefix);
  }

  void clean() {
    try {
      for (Path p : temporaries(directory)) {
        if (!before.contains(p) && p.getFileName().toString().startsWith(transferPrefix)) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      // best effort while the JVM is going down
    }
  }

  /**
   * Deletes the temporary files an earlier, killed run of the same transfer left in {@code directory}:
   * those named {@code transferPrefix}...{@code .part}. SIGKILL runs no shutdown hook, so a receive
   * that resumes clears them first (ReceiveCommand gives every transfer its own prefix).
   */
  public static void removeStale(Path directory, String transferPrefix) throws IOException {
    requireOwnPrefix(transferPrefix);
    for (Path p : temporaries(directory)) {
      String name = p.getFileName().toString();
      if (name.startsWith(transferPrefix) && name.endsWith(".part")) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A temporary file deleted if the JVM exits (a signal) before it is {@linkplain #close closed}. */
  public static final class OneFile implements AutoCloseable {
    private final Thread hook;

    private OneFile(Path file) {
      this.hook = new Thread(() -> {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // best effort while the JVM is going down
        }
      }, "sealdrop-partial-file-guard");
      Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void close() {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs
      }
    }
  }

  /**
   * Guards one temporary file whose name only this run knows (seal's output before it is moved into place): a signal
   * deletes it (round X: a stopped seal left up to the file's size of ciphertext beside the output, for good).
   */
  public static OneFile watchFile(Path file) {
    return new OneFile(file.toAbsolutePath());
  }

  private static void requireOwnPrefix(String transferPrefix) {
    if (!transferPrefix.startsWith(PREFIX) || transferPrefix.length() <= PREFIX.length()) {
      throw new IllegalArgumentException("cli: internal error: not a transfer's own prefix: " + transferPrefix);
    }
  }

  private static Set<Path> temporaries(Path dir) throws IOException {
    Set<Path> s = new HashSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> list = Files.list(dir)) {
        list.filter(p -> p.getFileName().toString().startsWith(PREFIX)).forEach(s::add);
      }
    }
    return s;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs
    }
  }
}
