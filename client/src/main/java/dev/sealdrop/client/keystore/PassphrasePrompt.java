package dev.sealdrop.client.keystore;

import java.util.Optional;

/** Asks a person for a passphrase without echo. Empty if there is no terminal to ask on. */
@FunctionalInterface
public interface PassphrasePrompt {
  Optional<char[]> read(String prompt);

  /**
   * The real terminal: {@link System#console()} when the JVM has one, else the controlling
   * terminal ({@code /dev/tty}), which a JVM whose stdout is a pipe still has.
   */
  static PassphrasePrompt console() {
    return prompt -> {
      java.io.Console c = System.console();
      if (c == null) {
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
