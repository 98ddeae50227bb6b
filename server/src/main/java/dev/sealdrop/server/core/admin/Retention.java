package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.upload.BlobStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: after {@code period}, grants that can never be used again (consumed, revoked, expired)
 * are deleted, and then files that no grant points at any more (with their ciphertext): a dead
 * grant still within the period keeps its file, so every grant purge is a record of its own.
 * Each purge is audited with actor {@code server}. The server schedules {@link #sweep}; tests call
 * it directly after moving the injected clock.
 */
public final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private final AdminRepository repository;
  private final BlobStore blobs;
  private final Audit audit;
  private final Clock clock;
  private final Duration period;

  public Retention(AdminRepository repository, BlobStore blobs, Audit audit, Clock clock, Duration period) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.blobs = Objects.requireNonNull(blobs, "blobs");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.period = Objects.requireNonNull(period, "period");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("retention period must be > 0");
    }
  }

  /** What one sweep deleted. */
  public record Swept(int grants, int files) {}

  public Swept sweep() {
    Instant now = clock.instant();
    Instant cutoff = now.minus(period);
    int grants = 0;
    for (Grant g : repository.listRetiredGrants(cutoff)) {
      GrantState endedIn = g.asOf(now).state();
      // the tombstone's time is the delete's own, just before its record: a start after a crash between the two finds
      // it within the minute it looks back over, however long the sweep had been running (review RG)
      if (repository.deleteGrant(g.id(), endedIn, clock.instant())) {
        grants++;
        audit.record(Audit.SERVER, "retention.purge-grant", "grant:" + g.id(), "ok", "",
            Map.of("state", endedIn.name().toLowerCase(java.util.Locale.ROOT), "grant-id", g.id(),
                "file-id", g.fileId())); // the details every record about a grant carries (docs/audit-log.md)
      }
    }
    int files = 0;
    for (String fileId : repository.listUnreachableFiles(cutoff)) {
      if (AdminOperations.Purger.purge(repository, blobs, fileId, PurgedGrant.Cause.RETENTION, now,
          () -> audit.record(Audit.SERVER, "retention.purge-file", "file:" + fileId, "ok", "")).isPresent()) {
        files++;
      }
    }
    if (grants + files > 0) {
      LOG.info("retention: purged {} grant(s) and {} file(s) older than {}", grants, files, period);
    }
    return new Swept(grants, files);
  }
}
