package dev.sealdrop.client.cli.output;

/**
 * Progress of one long transfer. On a terminal it is a bar with rate and ETA on stderr;
 * otherwise nothing at all (scripts and logs get no carriage-return noise).
 */
public interface Progress extends AutoCloseable {
  /** {@code bytes} more were transferred. */
  void advance(long bytes);

  /** Sets the absolute position (e.g. when resuming from an offset). */
  void position(long bytes);

  @Override
  void close();

  /** A progress that shows nothing. */
  static Progress none() {
    return new Progress() {
      @Override
      public void advance(long bytes) {}

      @Override
      public void position(long bytes) {}

      @Override
      public void close() {}
    };
  }
}
