package dev.sealdrop.server.testing;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The system clock, which holds the first thread that reads it directly from a chosen method, called from another
 * (each named by simple class name and method name) until the test lets it go: a pause at a known point of a core
 * act, so that a test can run an admin's act in it. Nothing else of the server changes.
 */
public final class PausingClock extends Clock {
  private final java.util.concurrent.atomic.AtomicReference<String> armedFor =
      new java.util.concurrent.atomic.AtomicReference<>();
  private volatile String calledFrom;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch go = new CountDownLatch(1);

  /**
   * Holds the next thread that reads the clock in {@code reader} (as {@code "GrantService.settle"}) while {@code caller}
   * is on its stack (as {@code "GrantService.doRedeem"}). Once only.
   */
  public void pauseIn(String reader, String caller) {
    calledFrom = caller;
    armedFor.set(reader);
  }

  private static String name(StackWalker.StackFrame f) {
    return f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName();
  }

  private boolean armedHere(String reader, String caller) {
    return StackWalker.getInstance().walk(frames -> {
      java.util.List<String> names = frames.map(PausingClock::name).filter(n -> !n.startsWith("PausingClock."))
          .toList();
      // a reader ending in '*' names a prefix: a lambda's frame, as "AdminOperations.lambda$revokeIdentity*"
      return !names.isEmpty() && (reader.endsWith("*") ? names.get(0).startsWith(reader.substring(0,
          reader.length() - 1)) : names.get(0).equals(reader)) && names.contains(caller);
    });
  }

  /** Waits until a thread is held. */
  public void awaitPaused() throws InterruptedException {
    if (!reached.await(30, TimeUnit.SECONDS)) {
      throw new AssertionError("no thread read the clock where it was armed in 30 s");
    }
  }

  /** Lets the held thread go on. */
  public void resume() {
    go.countDown();
  }

  @Override
  public Instant instant() {
    String reader = armedFor.get();
    if (reader != null && armedHere(reader, calledFrom) && armedFor.compareAndSet(reader, null)) {
      reached.countDown();
      try {
        if (!go.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never resumed the paused thread");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Instant.now();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }
}
