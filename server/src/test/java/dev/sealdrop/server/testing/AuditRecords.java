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
   * Waits (60 s at most) until {@code server} has recorded the end of {@code n} download streams of grant {@code grantId}
   * ({@code download.abort} or {@code download.complete}): from then on a resume of its claim is not refused
   * DOWNLOAD_BUSY for a stream the client broke (the server frees the stream before it records its end). A test resumes
   * after this, once, without retrying a DOWNLOAD_BUSY the product must not give then (review ES).
   */
  public static void awaitEndedDownloads(SealdropServer server, String grantId, int n)
      throws java.io.IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.audit().tail(1000).stream().filter(r -> r.object().equals("grant:" + grantId)
        && (r.action().equals("download.abort") || r.action().equals("download.complete"))).count() < n) {
      assertThat(System.nanoTime()).as("the server recorded the end of %d download(s) of grant %s within 60 s", n,
          grantId).isLessThan(deadline);
      Thread.sleep(20);
    }
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
