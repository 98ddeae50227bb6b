package dev.sealdrop.server.store.blob;

import dev.sealdrop.server.core.Ids;
import dev.sealdrop.server.core.upload.BlobStore;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.store.fs.DataFolder;
import dev.sealdrop.keys.internal.DirectAppender;
import dev.sealdrop.keys.internal.DirectReader;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Ciphertext on the local filesystem: {@code DATA/tmp/<upload id>.part} while uploading,
 * {@code DATA/blobs/<file id>} once committed. Names are server-generated ids, checked against
 * their fixed alphabet before they touch a path. Durability order: write → fsync file → atomic
 * rename → fsync directory.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "paths are the configured data directory plus server-generated ids validated by Ids.isWellFormed")
public final class LocalBlobStore implements BlobStore {
  private static final String PART = ".part";
  private final Path tmp;
  private final Path blobs;
  /** The file system of tmp/ (and blobs/: a commit is a rename), looked up once (the lookup reads the mount table). */
  private final java.nio.file.FileStore store;

  public LocalBlobStore(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    this.tmp = DataFolder.createFolder(dataDir.resolve("tmp"));
    this.blobs = DataFolder.createFolder(dataDir.resolve("blobs"));
    this.store = Files.getFileStore(tmp);
    requireRenameIntoBlobs();
  }

  /** The name of the start's rename probe: no upload's or file's id, so no listing takes it for one. */
  private static final String PROBE = ".rename-probe";

  /**
   * A commit renames the upload's data from {@code tmp/} into {@code blobs/}, which cannot cross file systems or mount
   * points: {@code blobs/} linked to a bigger disk and {@code tmp/} left on the data disk made every commit fail after
   * its row was written (review DD). Tried once at start with an empty file, and refused in one sentence.
   */
  private void requireRenameIntoBlobs() throws IOException {
    Path from = tmp.resolve(PROBE);
    Path to = blobs.resolve(PROBE);
    Files.deleteIfExists(to); // a probe a crash left
    Files.deleteIfExists(from);
    try {
      Files.newByteChannel(from, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          DataFolder.ownerOnlyFile(from)).close();
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.AtomicMoveNotSupportedException e) {
      throw new IOException(tmp + " and " + blobs + " are on different file systems (or mounts): an upload's data is"
          + " renamed from the one into the other when it is committed, which cannot cross them; put both on the same"
          + " file system (a link or mount for tmp/ beside the folder blobs/ leads to), then start again", e);
    } finally {
      Files.deleteIfExists(from);
      Files.deleteIfExists(to);
    }
  }

  @Override
  public long usableSpace() throws IOException {
    return store.getUsableSpace();
  }

  @Override
  public void createTemp(String uploadId) throws IOException {
    Path file = temp(uploadId);
    try (FileChannel ch = FileChannel.open(file, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE), DataFolder.ownerOnlyFile(file))) {
      ch.force(true);
    }
    fsyncDirectory(tmp);
  }

  /**
   * Appends with {@link DirectAppender}: an upload's bytes are fsynced at every checkpoint and at the
   * commit anyway, so whole blocks bypass the page cache where the file system allows.
   */
  @Override
  public TempWriter openTemp(String uploadId, long offset) throws IOException {
    DirectAppender out;
    try {
      out = DirectAppender.open(temp(uploadId), offset, false);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("temporary data of " + uploadId + ": " + e.getMessage(), e);
    }
    return new TempWriter() {
      @Override
      public void write(byte[] data, int off, int len) throws IOException {
        out.write(data, off, len);
      }

      @Override
      public long sync() throws IOException {
        return out.sync();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }

  @Override
  public InputStream readTemp(String uploadId, long from, long to) throws IOException {
    if (from < 0 || to < from) {
      throw new IllegalArgumentException("server: internal error: bytes " + from + " to " + to);
    }
    FileChannel ch = FileChannel.open(temp(uploadId), StandardOpenOption.READ);
    try {
      ch.position(from);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    InputStream in = Channels.newInputStream(ch);
    return new InputStream() {
      private long left = to - from;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (left <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n > 0) {
          left -= n;
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  @Override
  public void commit(String uploadId, String fileId) throws IOException {
    Path source = temp(uploadId);
    try (FileChannel ch = FileChannel.open(source, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(source, blob(fileId), StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(blobs);
    fsyncDirectory(tmp);
  }

  @Override
  public void deleteTemp(String uploadId) throws IOException {
    Files.deleteIfExists(temp(uploadId));
  }

  @Override
  public SeekableByteChannel openBlob(String fileId) throws IOException {
    // read once, start to end, by a download: past the page cache, as DirectAppender wrote it
    return DirectReader.open(blob(fileId));
  }

  @Override
  public void deleteBlob(String fileId) throws IOException {
    if (Files.deleteIfExists(blob(fileId))) {
      // durable before the delete is told done: a crash could otherwise bring a deleted file's data back, kept in
      // blobs/unnamed/ when there are many, with a WARN that blames a restored database (review RI)
      fsyncDirectory(blobs);
    }
  }

  @Override
  public Path setAside(java.util.List<String> fileIds) throws IOException {
    Path aside = blobs.resolve(UNNAMED);
    if (fileIds.isEmpty() && !setAsideUnfinished()) {
      return aside;
    }
    DataFolder.createFolder(aside);
    Path unfinished = aside.resolve(SETTING_ASIDE);
    if (!fileIds.isEmpty()) {
      DataFolder.createFileIfAbsent(unfinished);
      fsyncDirectory(aside); // the mark is durable before the first move (review RI)
      fsyncDirectory(blobs);
      for (String fileId : fileIds) {
        Files.move(blob(fileId), aside.resolve(blob(fileId).getFileName()),
            java.nio.file.StandardCopyOption.ATOMIC_MOVE); // same folder tree: a rename
      }
      fsyncDirectory(aside); // the moves are durable before the start goes on (review EL)
      fsyncDirectory(blobs);
    }
    if (Files.deleteIfExists(unfinished)) {
      fsyncDirectory(aside);
    }
    return aside;
  }

  @Override
  public boolean setAsideUnfinished() {
    return Files.exists(blobs.resolve(UNNAMED).resolve(SETTING_ASIDE), java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }

  /** Where stored files no database row names are set aside. */
  private static final String UNNAMED = "unnamed";
  /** In {@link #UNNAMED} while a pass of {@link #setAside} runs. */
  private static final String SETTING_ASIDE = ".setting-aside";

  @Override
  public Set<String> listTemps() throws IOException {
    Set<String> ids = new HashSet<>();
    for (Path p : list(tmp)) {
      String name = p.getFileName().toString();
      if (name.endsWith(PART) && Ids.isWellFormed(UploadService.UPLOAD_PREFIX, name.substring(0, name.length() - PART.length()))) {
        ids.add(name.substring(0, name.length() - PART.length()));
      } else {
        Files.deleteIfExists(p); // nothing but our own temporary files belongs here
      }
    }
    return ids;
  }

  @Override
  public boolean hasTemp(String uploadId) throws IOException {
    return Files.isRegularFile(temp(uploadId), java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public Set<String> listBlobs() throws IOException {
    Set<String> ids = new HashSet<>();
    for (Path p : list(blobs)) {
      String name = p.getFileName().toString();
      if (Ids.isWellFormed(UploadService.FILE_PREFIX, name)) {
        ids.add(name);
      }
    }
    return ids;
  }

  private static java.util.List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private Path temp(String uploadId) {
    if (!Ids.isWellFormed(UploadService.UPLOAD_PREFIX, uploadId)) {
      throw new IllegalArgumentException("server: internal error: not an upload id");
    }
    return tmp.resolve(uploadId + PART);
  }

  private Path blob(String fileId) throws NoSuchFileException {
    if (!Ids.isWellFormed(UploadService.FILE_PREFIX, fileId)) {
      throw new IllegalArgumentException("server: internal error: not a file id");
    }
    return blobs.resolve(fileId);
  }

  /** Makes a rename or a new directory entry durable (Linux: fsync on the directory). */
  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
