package dev.sealdrop.server.store.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadState;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload's inspection progress is recorded with its durable offset; an offset recorded without one (the inspector
 * had finished, then the commit was refused: review DT) keeps the last, which stays true of the longer prefix, so that
 * the resume after it does not read the whole stored part again.
 */
class InspectionProgressRecordTest {
  @TempDir
  Path dir;

  @Test
  void anOffsetRecordedWithoutAProgressKeepsTheLastOne() throws Exception {
    try (Database db = Database.openSqlite(dir.resolve("meta.db"))) {
      Enrolled.identities(db, "alice");
      JdbcUploadRepository uploads = new JdbcUploadRepository(db);
      Instant now = Instant.now();
      String id = "up_" + "a".repeat(32);
      assertThat(uploads.createWithin(new Upload(id, "alice", UploadState.OPEN, 0, 0, now, now, null, true), 10,
          Enrolled.credential("alice"))).isTrue();
      assertThat(uploads.inspectionProgress(id)).isEmpty();
      uploads.recordOffset(id, 1000, new byte[] {1, 2, 3}, now);
      uploads.recordOffset(id, 2000, new byte[] {4, 5}, now);
      assertThat(uploads.inspectionProgress(id)).hasValueSatisfying(p -> assertThat(p).containsExactly(4, 5));
      uploads.recordOffset(id, 3000, null, now);
      assertThat(uploads.find(id).orElseThrow().committedOffset()).isEqualTo(3000);
      assertThat(uploads.inspectionProgress(id)).as("kept").hasValueSatisfying(p -> assertThat(p).containsExactly(4,
          5));
    }
  }
}
