package dev.sealdrop.server.core.upload;

import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.identity.Credential;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Port: uploads and committed files. */
public interface UploadRepository {
  /**
   * Inserts the OPEN upload unless its owner already has {@code maxOpen} OPEN uploads; the count
   * and the insert are one atomic step, so concurrent creations cannot pass the limit together.
   * Returns false (and inserts nothing) at the limit, or if the owner's certificate {@code by} no longer stands (its
   * identity disabled or revoked, or the certificate revoked, since the caller's checks).
   */
  boolean createWithin(Upload upload, int maxOpen, Credential by);

  Optional<Upload> find(String uploadId);

  /**
   * Records a new durable offset of an OPEN upload, with how far the inspection of its bytes had got
   * ({@code inspectionProgress}, an opaque value for {@link #inspectionProgress}; null: the one recorded before is
   * kept, as true of this longer prefix of the same stream), in one statement.
   */
  void recordOffset(String uploadId, long committedOffset, byte[] inspectionProgress, Instant now);

  /**
   * The inspection progress recorded with the upload's durable offset ({@link #recordOffset}); empty if none was (or
   * the upload is unknown).
   */
  Optional<byte[]> inspectionProgress(String uploadId);

  /** Moves an OPEN upload to {@code state} (FAILED or EXPIRED); returns false if it was not OPEN. */
  boolean close(String uploadId, UploadState state, Instant now);

  /**
   * Moves an OPEN upload to EXPIRED if its last activity is still before {@code idleBefore}, in one statement; returns
   * false if it was not OPEN or has been active since (a resume's checkpoint moves its activity).
   */
  boolean expireIfIdle(String uploadId, Instant idleBefore, Instant now);

  /**
   * Moves an OPEN upload to EXPIRED if the certificate it was started or last resumed with is revoked, in one statement;
   * returns false if it was not OPEN or has been resumed with another certificate since.
   */
  boolean expireIfMadeWithRevokedCertificate(String uploadId, Instant now);

  /**
   * In one transaction: inserts the file and marks the OPEN upload COMMITTED with its id. Returns false (and writes
   * nothing) if the owner's certificate {@code by} no longer stands (its identity disabled or revoked, or the
   * certificate revoked, since the caller's checks).
   */
  boolean commit(String uploadId, StoredFile file, Instant now, Credential by);

  /**
   * Undoes {@link #commit} whose data could not be moved into place: in one transaction, deletes the file's row and
   * makes the upload OPEN again (its data, whole and durable, stays for a resume). Returns false (and writes nothing)
   * if a grant already names the file, or the upload is no longer that file's commit.
   */
  boolean uncommit(String uploadId, String fileId, Instant now);

  /** OPEN uploads whose last activity is before {@code cutoff} ({@code null}: all OPEN uploads). */
  List<Upload> listOpen(Instant idleBefore);

  /** OPEN uploads started, or last resumed, with a certificate that an admin has revoked since. */
  List<Upload> listOpenMadeWithRevokedCertificates();

  /** Records that OPEN upload {@code uploadId} was resumed with certificate {@code by}. */
  void recordResumedWith(String uploadId, Credential by);

  Optional<StoredFile> findFile(String fileId);

  /**
   * At most {@code limit} of {@code owner}'s stored files, newest first (by creation, then id, both descending),
   * starting after {@code after} (null: at the first).
   */
  List<StoredFile> listFiles(String owner, Page.After after, int limit);

  /**
   * What the owner stores: the sizes of its committed files plus the durable bytes of its OPEN
   * uploads other than {@code exceptUploads} (those with a stream attached, counted in memory).
   */
  long storedBytes(String owner, java.util.Collection<String> exceptUploads);

  /** How many uploads of {@code owner} are OPEN (started, neither committed nor failed nor expired). */
  int countOpen(String owner);

  Set<String> allFileIds();
}
