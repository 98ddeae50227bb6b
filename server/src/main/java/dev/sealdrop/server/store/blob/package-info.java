/**
 * Blob storage: the {@link dev.sealdrop.server.core.upload.BlobStore} port on the local
 * filesystem. Holds ciphertext only. Invariants: paths are server-generated ids under the data
 * directory (no client name ever becomes a path); a blob appears under {@code blobs/} only by an
 * atomic rename of a fully fsynced file, followed by an fsync of the directory.
 */
package dev.sealdrop.server.store.blob;
