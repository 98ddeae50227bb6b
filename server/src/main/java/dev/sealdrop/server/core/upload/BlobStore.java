package dev.sealdrop.server.core.upload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SeekableByteChannel;
import java.util.Set;

/**
 * Port: where ciphertext lives. Names are server-generated ids (never client input). A temporary
 * file holds an upload in progress; {@link #commit} moves it into place atomically and durably.
 */
public interface BlobStore {
  /** Creates an empty temporary file for the upload, durably. */
  void createTemp(String uploadId) throws IOException;

  /** Opens the upload's temporary file for appending at {@code offset}, discarding anything after it. */
  TempWriter openTemp(String uploadId, long offset) throws IOException;

  /** Reads bytes {@code [from, to)} of the upload's temporary file (fewer if it ends before {@code to}). */
  InputStream readTemp(String uploadId, long from, long to) throws IOException;

  /** Renames a synced temporary file to the blob of {@code fileId}, then syncs the directory. */
  void commit(String uploadId, String fileId) throws IOException;

  void deleteTemp(String uploadId) throws IOException;

  SeekableByteChannel openBlob(String fileId) throws IOException;

  void deleteBlob(String fileId) throws IOException;

  /**
   * Moves stored files {@code fileIds} out of the stored files, kept for the operator ({@code blobs/unnamed/}), where
   * nothing reads or deletes them; returns that folder. Durable before it returns. A pass cut short (a crash, a failed
   * move) is told by {@link #setAsideUnfinished} until a later pass completes, so that the next start sets aside the
   * rest too rather than take the few left for a crash's leftovers. With no ids, completes an unfinished pass.
   */
  java.nio.file.Path setAside(java.util.List<String> fileIds) throws IOException;

  /** Whether a {@link #setAside} pass was cut short and not completed since. */
  boolean setAsideUnfinished() throws IOException;

  /** Ids of every temporary file present. */
  Set<String> listTemps() throws IOException;

  /** Whether upload {@code uploadId}'s temporary data is there; changes nothing (unlike {@link #listTemps}). */
  boolean hasTemp(String uploadId) throws IOException;

  /** Ids of every blob present. */
  Set<String> listBlobs() throws IOException;

  /** The bytes the file system of the data folder has free for the server: what writes may still use. */
  long usableSpace() throws IOException;

  /** Appends to a temporary file. */
  interface TempWriter extends AutoCloseable {
    void write(byte[] data, int off, int len) throws IOException;

    /**
     * Forces the written bytes to disk and returns how many the file now durably holds. May run on
     * another thread while {@link #write} goes on; it then covers at least what was written before
     * it was called, and returns only that count.
     */
    long sync() throws IOException;

    @Override
    void close() throws IOException;
  }
}
