package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Set;

/**
 * The NIO provider behind every session's {@link VirtualFileSystem}: reads go to the session's
 * {@link VirtualTree}; everything that would change the tree's shape (mkdir, delete, copy, move,
 * links, attribute changes) is refused. It is never registered with the JDK, so no code outside the
 * SFTP door can reach it by URI.
 */
final class VirtualFileSystemProvider extends FileSystemProvider {
  static final String SCHEME = "sealdrop-sftp";

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw new UnsupportedOperationException("sealdrop SFTP file systems are created per session only");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw new UnsupportedOperationException("sealdrop SFTP file systems are not reachable by URI");
  }

  @Override
  public Path getPath(URI uri) {
    throw new UnsupportedOperationException("sealdrop SFTP paths are not reachable by URI");
  }

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    VirtualPath p = cast(path);
    return p.getFileSystem().tree().open(p, options);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    VirtualPath p = cast(dir);
    return p.getFileSystem().tree().list(p, filter);
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    throw refused(dir, "mkdir", "folders cannot be created; upload into /outbox/");
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
    throw refused(link, "symlink", "symbolic links are not supported");
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    throw refused(link, "link", "links are not supported");
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    throw new java.nio.file.NotLinkException(link.toString(), null, "there are no symbolic links here");
  }

  @Override
  public void delete(Path path) throws IOException {
    throw refused(path, "remove", "files cannot be deleted over SFTP");
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    throw refused(source, "copy", "files cannot be copied over SFTP");
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    throw refused(source, "rename", "files cannot be renamed or moved over SFTP");
  }

  @Override
  public boolean isSameFile(Path path, Path path2) {
    return path.toAbsolutePath().normalize().equals(path2.toAbsolutePath().normalize());
  }

  @Override
  public boolean isHidden(Path path) {
    return false;
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    throw denied(path, "no file store information is available");
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    VirtualPath p = cast(path);
    VirtualAttributes a = p.getFileSystem().tree().attributes(p);
    for (AccessMode m : modes) {
      if (m == AccessMode.WRITE && !p.getFileSystem().tree().writable(p)) {
        throw denied(path, "read-only; writes are accepted only in /outbox/");
      }
      if (m == AccessMode.EXECUTE && !a.isDirectory()) {
        throw denied(path, "not executable");
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    VirtualPath p = cast(path);
    // The exact type only: PosixFileAttributeView extends this interface, and a basic view handed to
    // a caller that asked for a posix one fails in the caller's cast (MINA's chmod did, logging the
    // path). null is the NIO answer for "view not available".
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    return (V) new BasicFileAttributeView() {
      @Override
      public String name() {
        return "basic";
      }

      @Override
      public BasicFileAttributes readAttributes() throws IOException {
        return p.getFileSystem().tree().attributes(p);
      }

      @Override
      public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
        throw attributesDenied(p);
      }
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
      throw new UnsupportedOperationException("only basic and posix attributes are available");
    }
    VirtualPath p = cast(path);
    return (A) p.getFileSystem().tree().attributes(p);
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
    VirtualPath p = cast(path);
    String view = attributes.contains(":") ? attributes.substring(0, attributes.indexOf(':')) : "basic";
    if (!view.equals("basic") && !view.equals("posix")) {
      throw new UnsupportedOperationException("only basic and posix attributes are available");
    }
    return p.getFileSystem().tree().attributes(p).asMap(view.equals("posix"));
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
    throw attributesDenied(path);
  }

  private static VirtualPath cast(Path path) {
    if (path instanceof VirtualPath p) {
      return p;
    }
    throw new ProviderMismatchException("not a sealdrop SFTP path");
  }

  /**
   * A refused change to the tree's shape (a folder, a link, a removal, a copy or a rename), recorded as the caller's
   * {@code call.refuse} of {@code sftp:OPERATION}, result {@code operation-refused}, within the refusal budget, and never
   * with the path (a name the client chose): someone probing the door with the identity's key shows in the audit log
   * (round BU: these left no trace). Attribute changes are not recorded: OpenSSH's {@code put -p} and {@code scp} ask
   * for one after every upload.
   */
  static AccessDeniedException refused(Path path, String operation, String why) {
    if (path instanceof VirtualPath p) {
      p.getFileSystem().tree().refusedOperation(operation);
    }
    return denied(path, why);
  }

  static AccessDeniedException denied(Path path, String why) {
    return new AccessDeniedException(String.valueOf(path), null, why);
  }

  /** chmod, chown, utimes and every other attribute change, on every path of the tree. */
  static AccessDeniedException attributesDenied(Path path) {
    return denied(path, "attributes cannot be changed over SFTP");
  }
}
