package dev.sealdrop.server.core.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.identity.Credential;
import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.store.meta.JdbcIdentityRepository;
import dev.sealdrop.server.store.meta.JdbcUploadRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review RI: a resume whose writer could not be opened (no direct memory left: told SERVER_BUSY, which the CLI
 * retries by itself) left its stream counted; the retry's stream counted the upload's stored bytes a second time, so
 * the owner was refused QUOTA_EXCEEDED with the quota not reached. An upload attached again is counted once, from the
 * offset it is attached at. On a real database file.
 */
class QuotaReattachTest {
  private static final long MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void anUploadAttachedAgainAfterAStreamLeftCountedIsCountedOnce() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      new JdbcIdentityRepository(db).upsert(new Identity("alice", Role.TRANSFEROR, true), Instant.EPOCH);
      JdbcUploadRepository uploads = new JdbcUploadRepository(db);
      Credential alice = new Credential("alice", "CN=sealdrop test CA", "616c696365");
      Instant now = Instant.now();
      String id = "up_" + "a".repeat(32);
      assertThat(uploads.createWithin(new Upload(id, "alice", UploadState.OPEN, 10 * MIB, 0, now, now, null, true), 8,
          alice)).isTrue();
      uploads.recordOffset(id, 4 * MIB, null, now); // 4 MiB stored before the stream broke
      Quota quota = new Quota(uploads, new UploadPolicy(10 * MIB, 10 * MIB, MIB, Duration.ofHours(24),
          Duration.ofMinutes(10)));

      quota.attach("alice", id, 4 * MIB); // the resume whose writer failed: never detached
      Quota.Stream retry = quota.attach("alice", id, 4 * MIB);

      assertThatCode(() -> retry.add(6 * MIB)).as("4 MiB stored and 6 MiB more: the 10 MiB quota, not past it")
          .doesNotThrowAnyException();
      assertThatThrownBy(() -> retry.add(1)).as("one byte more is past it").isInstanceOf(LimitExceededException.class);
      retry.detach();
      quota.check("alice", 6 * MIB); // the stream's count is gone with it: the 4 MiB stored and 6 more fit
      assertThatThrownBy(() -> quota.check("alice", 6 * MIB + 1)).isInstanceOf(LimitExceededException.class);
    }
  }
}
