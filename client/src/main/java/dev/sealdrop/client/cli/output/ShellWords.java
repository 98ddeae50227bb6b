package dev.sealdrop.client.cli.output;

/**
 * Paths and values printed inside a command for the user to paste: each as one word of a POSIX shell command line,
 * so that a path with blanks or quotes runs as printed.
 */
public final class ShellWords {
  private ShellWords() {}

  /** {@code s} as one word of a POSIX shell command line: as it is if that is safe, else in single quotes. */
  public static String of(String s) {
    return !s.isEmpty() && s.matches("[A-Za-z0-9_./:@%+=,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
