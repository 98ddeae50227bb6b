package dev.sealdrop.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.core.audit.Audit;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Waits for audit records a server writes on its own threads (a stall's stop, a stream's end). */
public final class AuditRecords {
  private AuditRecords() {
  }

  /**
   * Polls {@code server}'s audit log until one of its last 100 records satisfies {@code match}, and returns it; fails,
   * naming {@code what}, after {@code seconds}.
   */
  public static Audit.Entry await(SealdropServer server, String what, Predicate<Audit.Entry> match, int seconds)
      throws java.io.IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      Optional<Audit.Entry> found = server.audit().tail(100).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      assertThat(System.nanoTime()).as("waited %d s for the audit record of %s", seconds, what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
