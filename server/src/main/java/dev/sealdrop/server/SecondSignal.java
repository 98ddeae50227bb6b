package dev.sealdrop.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A second SIGTERM or SIGINT (Ctrl-C) during the graceful shutdown stops the server at once, as
 * operators expect. The JVM runs its shutdown hooks once and ignores a signal that comes while they
 * run, so a second signal would otherwise wait out the whole grace. Here the first signal goes to
 * the JVM's own handler (the graceful shutdown, {@link SealdropServer#close}), and the next one
 * halts the JVM: what that loses is what a crash or SIGKILL loses, nothing durable (docs/admin.md).
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}, present on JDK 17 and 25), the
 * only way Java has to see a signal while the shutdown hooks run. If a signal cannot be handled
 * (e.g. the JVM runs with {@code -Xrs}), it is left as it is, and a second signal does nothing.
 */
final class SecondSignal {
  private static final Logger LOG = LoggerFactory.getLogger(SecondSignal.class);

  private SecondSignal() {}

  /**
   * A signal this soon after the first is the same stop request, not an operator's second: GNU {@code timeout} signals
   * the server and then its whole process group, and a terminal's Ctrl-C reaches every process of the group, so one
   * request can arrive twice within microseconds (round U: {@code timeout -s TERM} skipped the graceful shutdown).
   */
  static final long SAME_REQUEST_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  @SuppressWarnings("sunapi") // no supported API sees a signal during shutdown
  static void install() {
    // when the first signal came (null: none yet), set by the compare-and-set that decides which is first, so that a
    // second handler thread never reads it unset (round W)
    java.util.concurrent.atomic.AtomicReference<Long> firstAt = new java.util.concurrent.atomic.AtomicReference<>();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        sun.misc.SignalHandler[] jvm = new sun.misc.SignalHandler[1];
        jvm[0] = sun.misc.Signal.handle(signal, s -> {
          long now = System.nanoTime();
          if (firstAt.compareAndSet(null, now)) {
            jvm[0].handle(s); // the graceful shutdown
          } else if (now - firstAt.get() < SAME_REQUEST_NANOS) {
            LOG.info("SIG{} again within a second of the first (a process group's signal, as `timeout` sends it):"
                + " the same stop request; send it again later to stop without waiting for running transfers",
                s.getName());
          } else {
            LOG.warn("second SIG{} during the graceful shutdown: stopping now, without waiting for running transfers",
                s.getName());
            Runtime.getRuntime().halt(128 + s.getNumber());
          }
        });
        if (jvm[0] == sun.misc.SignalHandler.SIG_IGN || jvm[0] == sun.misc.SignalHandler.SIG_DFL) {
          // ignored (as SIGINT is for a background job) or not the JVM's: leave it as it was
          sun.misc.Signal.handle(signal, jvm[0]);
        }
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        LOG.debug("SIG{} is not handled here ({}); a second one will not shorten a graceful shutdown", name,
            e.toString());
      }
    }
  }
}
