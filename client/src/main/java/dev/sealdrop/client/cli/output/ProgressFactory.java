package dev.sealdrop.client.cli.output;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.Objects;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Makes progress bars on a terminal, and silent progress everywhere else. */
public final class ProgressFactory {
  private final boolean terminal;
  private final PrintStream stream;

  /**
   * @param terminal whether stdout and stderr are a terminal (and no {@code --json})
   * @param stream where bars are drawn (stderr)
   */
  public ProgressFactory(boolean terminal, PrintStream stream) {
    this.terminal = terminal;
    this.stream = Objects.requireNonNull(stream, "stream");
  }

  public Progress start(String task, long totalBytes) {
    if (!terminal) {
      return Progress.none();
    }
    // KiB under one MiB (in MiB a small file reads "0/0 MiB"), bytes under 10 KiB (in KiB a 3-byte file read "0/0 KiB",
    // round BR); rates with a leading zero ("0.5 MiB/s", not ".5")
    String unit = totalBytes < 10 * 1024 ? " B" : totalBytes < 1024 * 1024 ? " KiB" : " MiB";
    long unitSize = totalBytes < 10 * 1024 ? 1 : totalBytes < 1024 * 1024 ? 1024 : 1024 * 1024;
    ProgressBar bar = new ProgressBarBuilder().setTaskName(TerminalText.clean(task))
        .setInitialMax(Math.max(totalBytes, 1)).setRenderer(new SteadyRate(unit, unitSize)).setUpdateIntervalMillis(200)
        .setConsumer(new ConsoleProgressBarConsumer(stream)).build();
    return new Progress() {
      @Override
      public void advance(long bytes) {
        bar.stepBy(bytes);
      }

      @Override
      public void position(long bytes) {
        bar.stepTo(bytes);
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }

  /**
   * The library's bar, with the rate over the time elapsed to the millisecond: its own divides by whole seconds, a
   * sawtooth at a steady rate (8.0, 10, 12, 15, then 8.5 MiB/s at about 9.5; review BA), and pads the rate, so that the
   * bar beside it keeps its width as the figure grows a digit.
   */
  static final class SteadyRate extends me.tongfei.progressbar.DefaultProgressBarRenderer {
    private final String unit;
    private final long unitSize;
    private final DecimalFormat format = new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT));

    SteadyRate(String unit, long unitSize) {
      super(ProgressBarStyle.ASCII, unit, unitSize, true, null, java.time.temporal.ChronoUnit.SECONDS, true,
          SteadyRate::linearEta);
      this.unit = unit;
      this.unitSize = unitSize;
    }

    @Override
    protected String speed(me.tongfei.progressbar.ProgressState state) {
      long millis = state.getElapsedAfterStart().toMillis();
      double perSecond = millis <= 0 ? 0 : (state.getCurrent() - state.getStart()) * 1000.0 / millis / unitSize;
      return String.format(Locale.ROOT, "%6s", format.format(perSecond)) + unit + "/s";
    }

    /** What is left at the rate so far; empty before anything has moved. */
    static java.util.Optional<java.time.Duration> linearEta(me.tongfei.progressbar.ProgressState state) {
      long done = state.getCurrent() - state.getStart();
      long left = state.getMax() - state.getCurrent();
      if (done <= 0 || state.getMax() <= 0) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(java.time.Duration.ofMillis(
          (long) ((double) state.getElapsedAfterStart().toMillis() * Math.max(left, 0) / done)));
    }
  }
}
