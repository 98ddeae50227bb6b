package dev.sealdrop.client.net;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Waits for a channel's connection before a unary call's deadline starts, so that the deadline
 * measures how long the server takes to answer, not how long name resolution, TCP and the TLS
 * handshake took.
 *
 * <p>Without it, a command on a machine so busy that setting up its connection took 30 s (32 CLI
 * JVMs starting at once on two cores, bench/load.sh) failed with "the server did not answer in time"
 * although its request had never been sent. A failed connection ends the wait at once: the call then
 * fails with that connection's cause, which {@link ServerConnection#call} reports or retries. gRPC's
 * own timers end a failing connection (a refused or timed-out TCP connect, the 10 s TLS handshake
 * timers of both ends); {@link #LIMIT} bounds only one still under way. A ready connection costs
 * one volatile read.
 */
public final class ConnectionWait {
  /** The longest a call waits for a connection still being set up; then its deadline takes over. */
  public static final Duration LIMIT = Duration.ofSeconds(120);
  /** After this long the wait says so, once. */
  static final Duration NOTE_AFTER = Duration.ofSeconds(10);

  private final ManagedChannel channel;
  private final String what;
  private final Duration limit;
  private final Duration noteAfter;

  /**
   * @param what the other end as the note names it, e.g. "the sealdrop server at 127.0.0.1:8443"
   */
  public ConnectionWait(ManagedChannel channel, String what) {
    this(channel, what, LIMIT, NOTE_AFTER);
  }

  ConnectionWait(ManagedChannel channel, String what, Duration limit, Duration noteAfter) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.what = Objects.requireNonNull(what, "what");
    this.limit = limit;
    this.noteAfter = noteAfter;
  }

  /**
   * Returns once the channel's connection is ready, has failed, or the channel is shut down, or after
   * {@link #LIMIT}; asks for a connection if there is none. {@code notice} hears, once, of a wait
   * longer than {@link #NOTE_AFTER}. An interrupt ends the wait (the interrupt stays set).
   */
  public void await(Consumer<String> notice) {
    ConnectivityState state = channel.getState(true);
    if (state == ConnectivityState.READY) {
      return;
    }
    long start = System.nanoTime();
    long end = start + limit.toNanos();
    long noteAt = start + noteAfter.toNanos();
    boolean noted = false;
    while (state == ConnectivityState.IDLE || state == ConnectivityState.CONNECTING) {
      long now = System.nanoTime();
      if (now - end >= 0) {
        return;
      }
      if (!noted && now - noteAt >= 0) {
        noted = true;
        notice.accept("still connecting to " + what + " after " + TimeUnit.NANOSECONDS.toSeconds(now - start)
            + " s (TCP and the TLS handshake; that machine or this one is busy); waiting up to "
            + limit.toSeconds() + " s");
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      try {
        changed.await((noted ? end : Math.min(end, noteAt)) - now, TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      state = channel.getState(true);
    }
  }
}
