package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Output;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which signal is ending the CLI, so that the interrupted error's {@code exit_code} is the status the process exits
 * with: the JVM exits with 128 + the signal's number (130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP), and a
 * shutdown hook alone cannot tell which signal started the shutdown (the document said 143 after a Ctrl-C too).
 *
 * <p>Each handler notes its signal and hands it on to the JVM's own handler, which runs the shutdown hooks and exits
 * as before. Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, on JDK 17 and 25), as the server's
 * second-signal handling does. A signal the process ignores (SIGINT of a background job, or under {@code nohup}) or
 * that the JVM does not handle ({@code -Xrs}) is left as it was: it does not stop the command, or the operating system
 * ends the process without the shutdown hooks, so no interrupted document is printed. A shutdown that no noted signal
 * began is told as {@link Output#SIGTERM_EXIT}.
 */
final class StopSignals {
  /** The number of the first signal that reached a handler; 0 while none has. */
  private static final AtomicInteger RECEIVED = new AtomicInteger();

  private StopSignals() {}

  /** Installs the handlers (once per JVM, before the shutdown hook that asks {@link #exitStatus}). */
  @SuppressWarnings("sunapi") // no supported API tells a shutdown hook which signal started the shutdown
  static void watch() {
    for (String name : new String[] {"INT", "TERM", "HUP"}) {
      try {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        sun.misc.SignalHandler[] jvm = new sun.misc.SignalHandler[1];
        jvm[0] = sun.misc.Signal.handle(signal, recorder(RECEIVED, () -> jvm[0], Runtime.getRuntime()::exit));
        if (jvm[0] == sun.misc.SignalHandler.SIG_IGN || jvm[0] == sun.misc.SignalHandler.SIG_DFL) {
          // ignored (a background job's SIGINT, nohup's SIGHUP) or not the JVM's to handle: left as it was. (HotSpot
          // installs nothing for a signal ignored at its start, and refuses these under -Xrs; other VMs may not.)
          sun.misc.Signal.handle(signal, jvm[0]);
        }
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        // not handled here (-Xrs, or a platform without the signal): the signal's default action applies, so no
        // hook and no document; a shutdown with no noted signal is told as 143
      }
    }
  }

  /**
   * A handler that notes its signal in {@code received} (the first one only) and then hands it to the JVM's own
   * handler ({@code jvm}): shutdown hooks, then exit with 128 + the signal. A later signal (each runs on a thread of its
   * own: systemd's SIGTERM then SIGHUP) calls {@code exit} with the status of the first, which the document names,
   * so whichever thread starts the shutdown the process exits as the document says; one that came before the JVM's
   * handler was known does what that handler would.
   */
  @SuppressWarnings("sunapi")
  static sun.misc.SignalHandler recorder(AtomicInteger received,
      java.util.function.Supplier<sun.misc.SignalHandler> jvm, java.util.function.IntConsumer exit) {
    return s -> {
      int first = received.compareAndExchange(0, s.getNumber());
      sun.misc.SignalHandler next = jvm.get();
      if (first == 0 && next != null) {
        next.handle(s);
      } else {
        exit.accept(exitStatusOf(first == 0 ? s.getNumber() : first));
      }
    };
  }

  /** The exit status of a JVM ended by the signal that reached {@link #watch}'s handlers, or 143 if none did. */
  static int exitStatus() {
    return exitStatusOf(RECEIVED.get());
  }

  /** 128 + {@code signal}, or {@link Output#SIGTERM_EXIT} for 0 (no signal seen). */
  static int exitStatusOf(int signal) {
    return signal > 0 ? 128 + signal : Output.SIGTERM_EXIT;
  }
}
