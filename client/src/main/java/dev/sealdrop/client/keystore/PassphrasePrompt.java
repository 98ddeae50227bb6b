package dev.sealdrop.client.keystore;

import java.util.Optional;

/** Asks a person for a passphrase without echo. Empty if there is no terminal to ask on. */
@FunctionalInterface
public interface PassphrasePrompt {
  Optional<char[]> read(String prompt);

  /**
   * The real terminal: {@link System#console()} when the JVM has one whose locale names a character set beyond ASCII
   * (UTF-8, or the Latin-1 or KOI8 a terminal of such a locale sends), else the controlling terminal ({@code /dev/tty},
   * read as UTF-8), which a JVM whose stdout is a pipe still has. The console of an ASCII locale (LANG unset,
   * {@code LC_ALL=C}, where terminals send UTF-8 all the same) turned every other character into U+FFFD, so that any
   * passphrase of the same length unlocked keys made so (round AD); one still undecodable is refused by
   * {@link Passphrases}.
   */
  static PassphrasePrompt console() {
    return prompt -> {
      java.io.Console c = System.console();
      if (c == null || java.nio.charset.StandardCharsets.US_ASCII.equals(c.charset())) {
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
