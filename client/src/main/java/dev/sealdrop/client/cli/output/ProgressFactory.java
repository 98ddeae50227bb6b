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
        .setInitialMax(Math.max(totalBytes, 1)).setStyle(ProgressBarStyle.ASCII)
        .setUnit(unit, unitSize)
        .showSpeed(new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT))).setUpdateIntervalMillis(200)
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
}
