package dev.sealdrop.client.keystore;

import java.util.Optional;

/** Asks a person for a passphrase without echo. Empty if there is no terminal to ask on. */
@FunctionalInterface
public interface PassphrasePrompt {
  Optional<char[]> read(String prompt);

  /**
   * The real terminal: {@link System#console()} when the JVM has one that reads UTF-8, else the controlling terminal
   * ({@code /dev/tty}, read as UTF-8), which a JVM whose stdout is a pipe still has. A passphrase is read as UTF-8
   * whatever the locale, as from a file: the console of a non-UTF-8 locale (LANG unset, {@code LC_ALL=C}) turned
   * every non-ASCII character into U+FFFD, so that any passphrase of the same length unlocked the keys (round AD).
   */
  static PassphrasePrompt console() {
    return prompt -> {
      java.io.Console c = System.console();
      if (c == null || !java.nio.charset.StandardCharsets.UTF_8.equals(c.charset())) {
        return ControllingTerminal.read(prompt);
      }
      return Optional.ofNullable(c.readPassword("%s", prompt));
    };
  }

  /** No terminal: every prompt is refused. */
  static PassphrasePrompt none() {
    return prompt -> Optional.empty();
  }
}
