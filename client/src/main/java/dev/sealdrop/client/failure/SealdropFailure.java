package dev.sealdrop.client.failure;

import java.util.Objects;
import java.util.Optional;

/**
 * A failure the CLI explains to its user: what happened ({@link #getMessage()}), what to do
 * ({@link #hint()}), and a stable machine-readable {@link #reason()} for scripts. The subtype
 * decides the exit code (see {@code cli.ExitCodes}); nothing else does.
 */
public abstract sealed class SealdropFailure extends Exception
    permits UsageFailure, AuthFailure, GrantFailure, IntegrityFailure, PermissionFailure, KeyStoreFailure,
    NetworkFailure {
  private final String hint;
  private final String reason;
  /** A file the command wrote whole before it failed (a received file whose download could not be confirmed). */
  private volatile String writtenFile;

  SealdropFailure(String reason, String message, String hint, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.hint = hint;
  }

  /** What the user can do about it, if we know. */
  public Optional<String> hint() {
    return Optional.ofNullable(hint);
  }

  /**
   * The file the failing command had written whole and verified before it failed, which a script must not take for
   * lost (the JSON error's {@code path}); empty for most failures.
   */
  public Optional<String> writtenFile() {
    return Optional.ofNullable(writtenFile);
  }

  /** This failure, saying that {@code file} was written whole before it (see {@link #writtenFile()}). */
  public SealdropFailure afterWriting(java.nio.file.Path file) {
    this.writtenFile = file.toAbsolutePath().normalize().toString();
    return this;
  }

  /** A stable UPPER_SNAKE code naming the cause, e.g. {@code GRANT_CONSUMED}. */
  public String reason() {
    return reason;
  }

  /**
   * The same failure (subtype, so exit code, and reason) told with {@code message} and {@code hint}, e.g. to say
   * what had already been done when it happened; this one is its cause.
   */
  public SealdropFailure retold(String message, String hint) {
    if (this instanceof UsageFailure) {
      return new UsageFailure(reason, message, hint, this);
    } else if (this instanceof AuthFailure) {
      return new AuthFailure(reason, message, hint, this);
    } else if (this instanceof GrantFailure) {
      return new GrantFailure(reason, message, hint, this);
    } else if (this instanceof IntegrityFailure) {
      return new IntegrityFailure(reason, message, hint, this);
    } else if (this instanceof PermissionFailure) {
      return new PermissionFailure(reason, message, hint, this);
    } else if (this instanceof KeyStoreFailure) {
      return new KeyStoreFailure(reason, message, hint, this);
    }
    return new NetworkFailure(reason, message, hint, this);
  }
}
