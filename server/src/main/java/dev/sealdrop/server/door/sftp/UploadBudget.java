package dev.sealdrop.server.door.sftp;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-wide cap on the memory SFTP uploads hold in chunk buffers ({@link UploadChannel}): each
 * buffered chunk is taken from here and given back when its upload ends. Without it, every upload
 * handle could hold {@code (IN_FLIGHT + 1) * CHUNK} (3 MiB), i.e. 8 sessions x 32 handles x 3 MiB
 * = 768 MiB for one identity. An upload that finds the budget spent is not refused: it appends each
 * write directly, as it does for its first {@value UploadChannel#SYNC_PREFIX} bytes (slower, but
 * holding only that write), until buffers are free again. See docs/sftp.md, "Memory".
 */
final class UploadBudget {
  private static final Logger LOG = LoggerFactory.getLogger(UploadBudget.class);
  /** 32 MiB: ten uploads at full speed (3 MiB each), on a server that may run with -Xmx256m. */
  static final long SERVER_WIDE = 32L << 20;

  private final long limit;
  private final AtomicLong used = new AtomicLong();
  private final AtomicBoolean spentLogged = new AtomicBoolean();

  UploadBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} if they fit in the budget; false if it is spent. */
  boolean tryTake(int bytes) {
    long now = used.addAndGet(bytes);
    if (now <= limit) {
      return true;
    }
    used.addAndGet(-bytes);
    if (spentLogged.compareAndSet(false, true)) {
      LOG.warn("SFTP uploads hold the whole upload buffer budget ({} MiB); further uploads append each write"
          + " directly (slower) until some finish", limit >> 20);
    }
    return false;
  }

  /** Gives back what an upload took. */
  void give(long bytes) {
    if (bytes > 0 && used.addAndGet(-bytes) <= limit / 2) {
      spentLogged.set(false);
    }
  }

  long used() {
    return used.get();
  }
}
