package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.identity.Credential;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.Upload;
import dev.sealdrop.server.core.upload.UploadRepository;
import dev.sealdrop.server.core.upload.UploadState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Uploads and committed files in SQL. */
public final class JdbcUploadRepository implements UploadRepository {
  private static final String UPLOAD_COLUMNS =
      "id, owner, state, expected_size, committed_offset, created_at, updated_at, file_id, resumable";
  private static final String FILE_COLUMNS = "id, owner, size, fingerprint, recipient_fps, created_at";
  private final Jdbc jdbc;

  public JdbcUploadRepository(Database db) {
    this.jdbc = new Jdbc(db);
  }

  @Override
  public boolean createWithin(Upload u, int maxOpen, Credential by) {
    // one statement: SQLite runs it under its write lock, so neither the count nor the owner's standing can change
    // before the insert
    return jdbc.update("INSERT INTO uploads (" + UPLOAD_COLUMNS + ", made_with_issuer, made_with_serial)"
        + " SELECT ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?"
        + " WHERE (SELECT COUNT(*) FROM uploads WHERE owner = ? AND state = 'OPEN') < ? AND "
        + CredentialConditions.STANDS, CredentialConditions.after(by, u.id(), u.owner(),
        u.state().name(), u.expectedSize(), u.committedOffset(), u.createdAt().toEpochMilli(),
        u.updatedAt().toEpochMilli(), u.resumable(), by.issuer(), by.serialHex(), u.owner(), maxOpen)) == 1;
  }

  @Override
  public void recordResumedWith(String uploadId, Credential by) {
    jdbc.update("UPDATE uploads SET made_with_issuer = ?, made_with_serial = ? WHERE id = ? AND state = 'OPEN'"
        + " AND (made_with_issuer IS NULL OR made_with_issuer <> ? OR made_with_serial IS NULL"
        + " OR made_with_serial <> ?)", by.issuer(), by.serialHex(), uploadId, by.issuer(), by.serialHex());
  }

  /**
   * The upload's certificate as CredentialConditions.CERTIFICATE_REVOKED finds it revoked: by issuer and serial, or as
   * that identity's serial. Names the table, not an alias, so that a SELECT and an UPDATE of {@code uploads} share it.
   */
  private static final String MADE_WITH_REVOKED_CERTIFICATE = "uploads.made_with_serial IS NOT NULL"
      + " AND (EXISTS (SELECT 1 FROM revoked_certificates r WHERE r.issuer = uploads.made_with_issuer"
      + " AND r.serial = uploads.made_with_serial) OR EXISTS (SELECT 1 FROM revoked_certificate_owners o"
      + " WHERE o.identity = uploads.owner AND o.serial = uploads.made_with_serial))";

  @Override
  public List<Upload> listOpenMadeWithRevokedCertificates() {
    return jdbc.query("SELECT " + UPLOAD_COLUMNS + " FROM uploads WHERE state = 'OPEN' AND "
        + MADE_WITH_REVOKED_CERTIFICATE, JdbcUploadRepository::upload);
  }

  @Override
  public Optional<Upload> find(String uploadId) {
    return jdbc.queryOne("SELECT " + UPLOAD_COLUMNS + " FROM uploads WHERE id = ?", JdbcUploadRepository::upload,
        uploadId);
  }

  @Override
  public void recordOffset(String uploadId, long committedOffset, byte[] inspectionProgress, Instant now) {
    // without a progress (the inspector finished, then the commit was refused: review DT), the last one is kept: a
    // progress stays true of a longer prefix of the same stream, whose offset only grows
    jdbc.update("UPDATE uploads SET committed_offset = ?, inspection_progress = COALESCE(?, inspection_progress),"
        + " updated_at = ? WHERE id = ? AND state = 'OPEN'", committedOffset, inspectionProgress, now.toEpochMilli(),
        uploadId);
  }

  @Override
  public Optional<byte[]> inspectionProgress(String uploadId) {
    return jdbc.queryOne("SELECT inspection_progress FROM uploads WHERE id = ? AND inspection_progress IS NOT NULL",
        rs -> rs.getBytes(1), uploadId);
  }

  @Override
  public boolean close(String uploadId, UploadState state, Instant now) {
    return jdbc.update("UPDATE uploads SET state = ?, updated_at = ? WHERE id = ? AND state = 'OPEN'", state.name(),
        now.toEpochMilli(), uploadId) == 1;
  }

  @Override
  public boolean expireIfIdle(String uploadId, Instant idleBefore, Instant now) {
    return jdbc.update("UPDATE uploads SET state = 'EXPIRED', updated_at = ? WHERE id = ? AND state = 'OPEN'"
        + " AND updated_at < ?", now.toEpochMilli(), uploadId, idleBefore.toEpochMilli()) == 1;
  }

  @Override
  public boolean expireIfMadeWithRevokedCertificate(String uploadId, Instant now) {
    return jdbc.update("UPDATE uploads SET state = 'EXPIRED', updated_at = ? WHERE id = ? AND state = 'OPEN' AND "
        + MADE_WITH_REVOKED_CERTIFICATE, now.toEpochMilli(), uploadId) == 1;
  }

  @Override
  public boolean commit(String uploadId, StoredFile f, Instant now, Credential by) {
    return jdbc.inTransaction(c -> {
      // the owner's certificate standing, under SQLite's write lock (round AH): no file is committed after its owner's
      // disable or revocation, or its certificate's revocation, returned
      if (Jdbc.update(c, "INSERT INTO files (" + FILE_COLUMNS + ") SELECT ?, ?, ?, ?, ?, ? WHERE "
          + CredentialConditions.STANDS, CredentialConditions.after(by, f.id(), f.owner(), f.size(), f.fingerprint(),
          String.join(",", f.recipientKeyFingerprints()), f.createdAt().toEpochMilli())) != 1) {
        return false;
      }
      int n = Jdbc.update(c, "UPDATE uploads SET state = 'COMMITTED', file_id = ?, committed_offset = ?, updated_at = ?"
          + " WHERE id = ? AND state = 'OPEN'", f.id(), f.size(), now.toEpochMilli(), uploadId);
      if (n != 1) {
        throw new IllegalStateException("server: internal error: upload " + uploadId + " was not open at commit");
      }
      return true;
    });
  }

  @Override
  public boolean uncommit(String uploadId, String fileId, Instant now) {
    return jdbc.inTransaction(c -> {
      if (Jdbc.update(c, "DELETE FROM files WHERE id = ? AND NOT EXISTS (SELECT 1 FROM grants WHERE file_id = ?)",
          fileId, fileId) != 1) {
        return false;
      }
      if (Jdbc.update(c, "UPDATE uploads SET state = 'OPEN', file_id = NULL, updated_at = ? WHERE id = ? AND"
          + " state = 'COMMITTED' AND file_id = ?", now.toEpochMilli(), uploadId, fileId) != 1) {
        throw new IllegalStateException("server: internal error: upload " + uploadId + " was not the commit of file "
            + fileId);
      }
      return true;
    });
  }

  @Override
  public List<Upload> listOpen(Instant idleBefore) {
    long cutoff = idleBefore == null ? Long.MAX_VALUE : idleBefore.toEpochMilli();
    return jdbc.query("SELECT " + UPLOAD_COLUMNS + " FROM uploads WHERE state = 'OPEN' AND updated_at < ?",
        JdbcUploadRepository::upload, cutoff);
  }

  @Override
  public Optional<StoredFile> findFile(String fileId) {
    return jdbc.queryOne("SELECT " + FILE_COLUMNS + " FROM files WHERE id = ?", JdbcUploadRepository::file, fileId);
  }

  @Override
  public List<StoredFile> listFiles(String owner, Page.After after, int limit) {
    long at = after == null ? Long.MAX_VALUE : after.createdAt().toEpochMilli();
    String id = after == null ? "" : after.id();
    // newest first, as a row value: an index range (review EC: the OR form walked every earlier row of each page)
    return jdbc.query("SELECT " + FILE_COLUMNS + " FROM files WHERE owner = ? AND (created_at, id) < (?, ?)"
        + " ORDER BY created_at DESC, id DESC LIMIT ?", JdbcUploadRepository::file, owner, at, id, limit);
  }

  @Override
  public long storedBytes(String owner, java.util.Collection<String> exceptUploads) {
    long files = jdbc.queryOne("SELECT COALESCE(SUM(size), 0) FROM files WHERE owner = ?", rs -> rs.getLong(1), owner)
        .orElse(0L);
    // one row per unfinished upload (at most MAX_OPEN_UPLOADS), summed here: the SQL stays a constant
    long unfinished = 0;
    for (Map.Entry<String, Long> u : jdbc.query("SELECT id, committed_offset FROM uploads WHERE owner = ? AND"
        + " state = 'OPEN'", rs -> Map.entry(rs.getString(1), rs.getLong(2)), owner)) {
      if (!exceptUploads.contains(u.getKey())) {
        unfinished += u.getValue();
      }
    }
    return files + unfinished;
  }

  @Override
  public int countOpen(String owner) {
    return jdbc.queryOne("SELECT COUNT(*) FROM uploads WHERE owner = ? AND state = 'OPEN'", rs -> rs.getInt(1), owner)
        .orElse(0);
  }

  @Override
  public Set<String> allFileIds() {
    return new HashSet<>(jdbc.query("SELECT id FROM files", rs -> rs.getString(1)));
  }

  private static Upload upload(ResultSet rs) throws SQLException {
    return new Upload(rs.getString(1), rs.getString(2), UploadState.valueOf(rs.getString(3)), rs.getLong(4),
        rs.getLong(5), Instant.ofEpochMilli(rs.getLong(6)), Instant.ofEpochMilli(rs.getLong(7)), rs.getString(8),
        rs.getBoolean(9));
  }

  private static StoredFile file(ResultSet rs) throws SQLException {
    String fps = rs.getString(5);
    return new StoredFile(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
        fps.isEmpty() ? List.of() : Arrays.asList(fps.split(",")), Instant.ofEpochMilli(rs.getLong(6)));
  }
}
