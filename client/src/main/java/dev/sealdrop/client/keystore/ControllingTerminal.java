package dev.sealdrop.client.keystore;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Asks on the process's controlling terminal ({@code /dev/tty}) when {@link System#console()} has
 * none: on JDK 17 a JVM whose stdout is a pipe ({@code TOKEN=$(sealdrop send ... --json)}) has no
 * Console, although a person sits at the terminal. As {@code ssh} and {@code gpg} do: the question
 * goes to the terminal, never to stdout; echo is turned off with {@code stty} and the terminal's
 * previous settings are restored afterwards, also when a signal ends the JVM during the prompt.
 * If echo cannot be turned off, nothing is read: a passphrase is never typed visibly.
 */
final class ControllingTerminal {
  private static final File TTY = new File("/dev/tty");
  private static final int MAX_CHARS = 4096;

  private ControllingTerminal() {}

  /** The answer, or empty if there is no controlling terminal or its echo cannot be turned off. */
  static Optional<char[]> read(String prompt) {
    if (!TTY.exists() || !TTY.canRead() || !TTY.canWrite()) {
      return Optional.empty();
    }
    try (InputStream in = new FileInputStream(TTY); OutputStream out = new FileOutputStream(TTY)) {
      Optional<String> saved = stty("-g");
      if (saved.isEmpty() || stty("-echo").isEmpty()) {
        return Optional.empty();
      }
      Thread restore = new Thread(() -> stty(saved.get().strip()), "sealdrop-tty-restore");
      Runtime.getRuntime().addShutdownHook(restore);
      try {
        out.write(prompt.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return Optional.of(readLine(new InputStreamReader(in, StandardCharsets.UTF_8)));
      } finally {
        stty(saved.get().strip());
        out.write('\n'); // the Enter the person typed was not echoed
        out.flush();
        try {
          Runtime.getRuntime().removeShutdownHook(restore);
        } catch (IllegalStateException shuttingDown) {
          // the hook restores the terminal itself
        }
      }
    } catch (IOException e) {
      return Optional.empty(); // no controlling terminal (opening /dev/tty fails without one)
    }
  }

  /** One line, without its end, into a char array only (no String holds the passphrase). */
  static char[] readLine(Reader in) throws IOException {
    char[] buf = new char[MAX_CHARS];
    int n = 0;
    try {
      for (int c = in.read(); c >= 0 && c != '\n' && c != '\r'; c = in.read()) {
        if (n == buf.length) {
          throw new IOException("the passphrase is longer than " + MAX_CHARS + " characters");
        }
        buf[n++] = (char) c;
      }
      return Arrays.copyOf(buf, n);
    } finally {
      Arrays.fill(buf, '\0');
    }
  }

  /**
   * Runs {@code stty ARG} on the terminal; its output, or empty if it failed. ARG is one of this
   * class's constants ({@code -g}, {@code -echo}) or what {@code stty -g} printed.
   */
  @SuppressFBWarnings(value = "COMMAND_INJECTION", justification = "stty with fixed arguments or its own -g output")
  private static Optional<String> stty(String arg) {
    try {
      Process p = new ProcessBuilder("stty", arg).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return Optional.of(output);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
