package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds a JVM that a signal is ending until a step that makes something on the server (a claim, an upload) has
 * recorded it in the profile, at most {@link #WAIT_SECONDS}: only this run learns what the server made (a claim's id,
 * an upload's id), and the JVM stops as soon as its shutdown hooks are done, so without the wait a signal that came
 * while the call was on its way left a claim or an upload no later run could find (outside tests: a grant claimed for
 * an hour, an upload held for a day). Used with try-with-resources around the call and the saving of its result.
 */
final class UntilRecorded implements AutoCloseable {
  /** How long a signal's shutdown waits for the step to be recorded. */
  static final int WAIT_SECONDS = 10;

  private final CountDownLatch recorded = new CountDownLatch(1);
  private final Thread hook;

  private UntilRecorded(String name) {
    hook = new Thread(() -> {
      try {
        recorded.await(WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, name);
  }

  /** Starts holding; a JVM already going down refuses the step ({@code INTERRUPTED}, never shown). */
  static UntilRecorded start(String name) throws UsageFailure {
    UntilRecorded guard = new UntilRecorded(name);
    try {
      Runtime.getRuntime().addShutdownHook(guard.hook);
    } catch (IllegalStateException shuttingDown) {
      throw new UsageFailure("INTERRUPTED", "stopped by a signal", "run the same command again");
    }
    return guard;
  }

  /** The step is recorded (or failed): a shutdown under way goes on. */
  @Override
  public void close() {
    recorded.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down: the hook has been let go by the count-down
    }
  }
}
