package dev.sealdrop.server.door.sftp;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the door's I/O threads still run anything. Every socket's completions, accepts included, run on MINA's pool
 * of them, so with all of them stuck the door answers no new connection, silently, while the rest of the server runs
 * on (a CI run saw the door so for minutes). Each sweep hands the pool a task that does nothing; one not run within
 * {@link #STALL_NANOS} is logged once at ERROR with the stacks of the door's threads, and the pool's recovery at INFO.
 */
final class IoThreadsWatch {
  /** How long the pool may take to run a task before it counts as stuck: far longer than any one completion takes. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final Logger LOG = LoggerFactory.getLogger(IoThreadsWatch.class);

  private final Supplier<Executor> pool;
  private volatile boolean pending;
  private long sentAt;
  private boolean stuck;

  /** {@code pool}: the door's I/O pool, or null while it has none (not started, or stopped). */
  IoThreadsWatch(Supplier<Executor> pool) {
    this.pool = pool;
  }

  /** One round, at {@code nowNanos} ({@link System#nanoTime}), on the door's sweeper thread. */
  void check(long nowNanos) {
    if (pending) {
      if (!stuck && nowNanos - sentAt > STALL_NANOS) {
        stuck = true;
        LOG.error("the SFTP door's I/O threads have run nothing for {} s: each is busy or blocked, so the door answers"
            + " no new connection (gRPC is not affected); restart the server if this lasts, and report the stacks of"
            + " those threads:{}", TimeUnit.NANOSECONDS.toSeconds(nowNanos - sentAt), stacks());
      }
      return;
    }
    if (stuck) {
      stuck = false;
      LOG.info("the SFTP door's I/O threads run again");
    }
    Executor executor = pool.get();
    if (executor == null) {
      return;
    }
    sentAt = nowNanos;
    pending = true;
    try {
      executor.execute(() -> pending = false);
    } catch (RejectedExecutionException e) {
      pending = false; // the door is stopping
    }
  }

  /** The stacks of MINA's threads in this JVM but a client's (the door's I/O threads among them). */
  private static String stacks() {
    StringBuilder out = new StringBuilder();
    for (java.lang.management.ThreadInfo t : java.lang.management.ManagementFactory.getThreadMXBean()
        .dumpAllThreads(true, true)) {
      // MINA names its threads "sshd-" and its server's toString (the door's class), then "-nio2-thread-N" and such;
      // a client's in this JVM (tests) are "sshd-SshClient..." (review RG: the door's were left out)
      if (!t.getThreadName().startsWith("sshd-") || t.getThreadName().startsWith("sshd-SshClient")) {
        continue;
      }
      out.append("\n\"").append(t.getThreadName()).append("\" ").append(t.getThreadState());
      if (t.getLockName() != null) {
        out.append(" on ").append(t.getLockName()).append(" owned by ").append(t.getLockOwnerName());
      }
      for (StackTraceElement f : t.getStackTrace()) {
        out.append("\n    at ").append(f);
      }
      for (java.lang.management.LockInfo l : t.getLockedSynchronizers()) {
        out.append("\n    holds ").append(l);
      }
      for (java.lang.management.MonitorInfo m : t.getLockedMonitors()) {
        out.append("\n    holds monitor ").append(m);
      }
    }
    return out.toString();
  }
}
