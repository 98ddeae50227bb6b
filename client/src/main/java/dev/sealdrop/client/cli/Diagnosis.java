package dev.sealdrop.client.cli;

import java.util.Objects;
import java.util.Optional;

/**
 * How one failure is presented: its exit code, a stable reason, what happened, what to do.
 *
 * @param exit the exit code
 * @param reason stable UPPER_SNAKE reason for scripts (e.g. {@code GRANT_CONSUMED})
 * @param message what happened, one line, no secrets
 * @param hint what to do, if known
 */
public record Diagnosis(ExitCodes exit, String reason, String message, Optional<String> hint) {
  public Diagnosis {
    Objects.requireNonNull(exit, "exit");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(hint, "hint");
  }
}
