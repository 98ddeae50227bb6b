package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.security.Principal;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.server.DirectoryHandle;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * MINA's hooks into the virtual tree. Client paths are checked here before they become paths at
 * all: {@code ..}, NUL and other control characters, backslashes, over-long names and over-long
 * paths are refused (there is no disk behind the tree, but a refusal is clearer than a surprising
 * resolution, and it keeps the CrushFTP/Cleo class of tricks out by construction). Links, renames,
 * copies, deletes, folders, locks and attribute changes are refused with PERMISSION_DENIED (mkdir,
 * rmdir and rm in {@link #resolveFileAccessLinkOptions}, attribute changes in
 * {@link #modifyingAttributes}: before MINA looks the path up or could log it); {@link #closing}
 * tells a channel that the client closed it in order, which is what commits an upload or confirms a
 * download.
 */
final class VirtualAccessor implements SftpFileSystemAccessor, SftpEventListener {
  static final int MAX_NAME = 255;
  static final int MAX_PATH = 1024;
  private static final String MKDIR_REFUSED = "folders cannot be created; upload into /outbox/";
  private static final String RMDIR_REFUSED = "folders cannot be deleted over SFTP";
  private static final String REMOVE_REFUSED = "files cannot be deleted over SFTP";

  @Override
  public Path resolveLocalFilePath(SftpSubsystemProxy subsystem, Path rootDir, String remotePath) throws IOException {
    try {
      if (subsystem instanceof TreeChange request && request.opening() && !plain(home(remotePath))) {
        // review RO: /redeem/TOKEN/, /redeem//TOKEN, /redeem/./TOKEN redeemed the grant, and /outbox/NAME/ uploaded,
        // though a file's path has none of these; listings and REALPATH keep taking them (OpenSSH sends "." and
        // "/outbox/")
        throw SftpErrors.badPath("a file is opened by its plain path, /redeem/TOKEN or /outbox/NAME, without '.',"
            + " '//' or a trailing '/'");
      }
      return checked(rootDir, remotePath);
    } catch (SftpException refused) {
      // a change to the tree refused for its path, before the operation's own refusal could record it (review ED:
      // `rm /outbox/../x` left no trace): recorded the same way, still without the path
      if (subsystem instanceof TreeChange request && request.treeChange() != null
          && rootDir.getFileSystem() instanceof VirtualFileSystem fs) {
        fs.tree().refusedOperation(request.treeChange());
      }
      throw refused;
    }
  }

  private Path checked(Path rootDir, String remotePath) throws SftpException {
    // in characters (code points), as the refusal says: an emoji is one, not two UTF-16 units (round AI)
    if (remotePath.codePointCount(0, remotePath.length()) > MAX_PATH) {
      throw SftpErrors.badPath("longer than " + MAX_PATH + " characters");
    }
    for (String name : remotePath.split("/", -1)) {
      if (name.equals("..")) {
        throw SftpErrors.badPath("'..' is not allowed; use absolute paths such as /outbox/NAME");
      }
      if (name.codePointCount(0, name.length()) > MAX_NAME) {
        throw SftpErrors.badPath("a name is longer than " + MAX_NAME + " characters");
      }
      // C0, DEL and C1 (U+0080-U+009F: NEL is a line break to some log viewers; round Z), and the Unicode line and
      // paragraph separators (U+2028, U+2029) for the same reason (round AA)
      if (!name.chars().allMatch(c -> c >= 0x20 && (c < 0x7f || c > 0x9f) && c != 0x2028 && c != 0x2029
          && c != '\\')) {
        throw SftpErrors.badPath("control characters (such as NUL) and backslashes are not allowed");
      }
    }
    return rootDir.resolve(home(remotePath));
  }

  /**
   * Whether {@code path} names a file plainly: absolute or relative to the root, with no empty name ({@code //}, a
   * trailing {@code /}) and no {@code .}.
   */
  static boolean plain(String path) {
    String rest = path.startsWith("/") ? path.substring(1) : path;
    for (String name : rest.split("/", -1)) {
      if (name.isEmpty() || name.equals(".")) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code path} with each {@code ..} taken as the folder above, never above the root ({@code /outbox/..} is
   * {@code /}, {@code /..} too), and {@code .} and empty names dropped; a path without {@code ..} as it is. For a
   * REALPATH only: the tree has no links, so the climb is the path's meaning.
   */
  static String climbed(String path) {
    java.util.List<String> names = java.util.Arrays.asList(path.split("/", -1));
    if (!names.contains("..")) {
      return path;
    }
    java.util.Deque<String> kept = new java.util.ArrayDeque<>();
    for (String name : names) {
      if (name.equals("..")) {
        kept.pollLast();
      } else if (!name.isEmpty() && !name.equals(".")) {
        kept.addLast(name);
      }
    }
    return "/" + String.join("/", kept);
  }

  /**
   * The session's home is the root of its tree: {@code ~} and {@code ~/NAME} (OpenSSH's {@code cd ~},
   * sent as {@code /~} once the client has made it absolute) resolve there. No name "~" exists at
   * the root, so nothing else is shadowed.
   */
  static String home(String remotePath) {
    for (String tilde : new String[] {"~", "/~"}) {
      if (remotePath.equals(tilde) || remotePath.startsWith(tilde + "/")) {
        String rest = remotePath.substring(tilde.length());
        return rest.isEmpty() ? "/" : rest;
      }
    }
    return remotePath;
  }

  @Override
  public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
      Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
    if (fileHandle == null) {
      // an open that no SSH_FXP_OPEN asked for (one of MINA's extended requests on a path): never a redeem or an
      // upload that no handle holds (review DO)
      throw new java.nio.file.AccessDeniedException(null, null, "only SSH_FXP_OPEN opens a file here");
    }
    OpenHandles.reserve(subsystem, fileHandle); // before anything is opened or redeemed
    try {
      return tree(file).open((VirtualPath) file, asked(fileHandle, options));
    } catch (IOException | RuntimeException e) {
      OpenHandles.release(subsystem, fileHandle);
      throw e;
    }
  }

  /**
   * The options the client asked for. MINA takes SSH_FXF_APPEND out of a handle's options (Java cannot open
   * READ|WRITE|APPEND) and keeps it in the handle's access mask, to append by itself; the tree must see it to refuse it.
   */
  private static Set<? extends OpenOption> asked(FileHandle handle, Set<? extends OpenOption> options) {
    if (handle == null || !handle.isOpenAppend()) {
      return options;
    }
    Set<OpenOption> withAppend = new HashSet<>(options);
    withAppend.add(StandardOpenOption.APPEND);
    return withAppend;
  }

  @Override
  public DirectoryStream<Path> openDirectory(SftpSubsystemProxy subsystem, DirectoryHandle dirHandle, Path dir,
      String handle, LinkOption... linkOptions) throws IOException {
    OpenHandles.reserve(subsystem, dirHandle);
    try {
      return tree(dir).list((VirtualPath) dir, null);
    } catch (IOException | RuntimeException e) {
      OpenHandles.release(subsystem, dirHandle);
      throw e;
    }
  }

  @Override
  public void closeDirectory(SftpSubsystemProxy subsystem, DirectoryHandle dirHandle, Path dir, String handle,
      DirectoryStream<Path> ds) throws IOException {
    try {
      SftpFileSystemAccessor.super.closeDirectory(subsystem, dirHandle, dir, handle, ds);
    } finally {
      OpenHandles.release(subsystem, dirHandle);
    }
  }

  @Override
  public void closeFile(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle, Channel channel,
      Set<? extends OpenOption> options) throws IOException {
    try {
      if (channel != null && channel.isOpen()) {
        channel.close();
      }
    } finally {
      OpenHandles.release(subsystem, fileHandle);
    }
  }

  @Override
  public void syncFileData(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
      Channel channel) {
    // fsync@openssh.com: an upload is made durable when it is committed at close; nothing to do earlier.
  }

  @Override
  public FileLock tryLock(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
      Channel channel, long position, long size, boolean shared) throws IOException {
    throw VirtualFileSystemProvider.denied(file, "locks are not supported");
  }

  @Override
  public void createLink(SftpSubsystemProxy subsystem, Path link, Path existing, boolean symLink) throws IOException {
    throw VirtualFileSystemProvider.refused(link, symLink ? "symlink" : "link", "links are not supported");
  }

  /** readlink: refused like the other link operations (a NotLinkException would reach the client as FAILURE). */
  @Override
  public String resolveLinkTarget(SftpSubsystemProxy subsystem, Path link) throws IOException {
    throw VirtualFileSystemProvider.denied(link, "links are not supported; there are no symbolic links here");
  }

  /**
   * Refuses SSH_FXP_MKDIR, SSH_FXP_RMDIR and SSH_FXP_REMOVE before MINA looks the path up. MINA asks
   * this hook first; past it, it checks that the path does not (mkdir) or does (rm, rmdir) exist and
   * answers FILE_ALREADY_EXISTS, NO_SUCH_FILE, NOT_A_DIRECTORY or FILE_IS_A_DIRECTORY of its own
   * (codes SFTP v3 clients such as OpenSSH do not even know) before {@link #createDirectory} or
   * {@link #removeFile} could refuse. Refused here, the answer is PERMISSION_DENIED wherever the path
   * points, and no path is looked up: no core call, nothing about a /redeem/ token; the refusal is audited without the
   * path ({@link VirtualFileSystemProvider#refused}).
   */
  @Override
  public LinkOption[] resolveFileAccessLinkOptions(SftpSubsystemProxy subsystem, Path file, int cmd, String extension,
      boolean followLinks) throws IOException {
    switch (cmd) {
      case SftpConstants.SSH_FXP_MKDIR -> throw VirtualFileSystemProvider.refused(file, "mkdir", MKDIR_REFUSED);
      case SftpConstants.SSH_FXP_RMDIR -> throw VirtualFileSystemProvider.refused(file, "rmdir", RMDIR_REFUSED);
      case SftpConstants.SSH_FXP_REMOVE -> throw VirtualFileSystemProvider.refused(file, "remove", REMOVE_REFUSED);
      default -> {
        return SftpFileSystemAccessor.super.resolveFileAccessLinkOptions(subsystem, file, cmd, extension, followLinks);
      }
    }
  }

  @Override
  public void renameFile(SftpSubsystemProxy subsystem, Path oldPath, Path newPath, Collection<CopyOption> opts)
      throws IOException {
    throw VirtualFileSystemProvider.refused(oldPath, "rename", "files cannot be renamed or moved over SFTP");
  }

  @Override
  public void copyFile(SftpSubsystemProxy subsystem, Path src, Path dst, Collection<CopyOption> opts)
      throws IOException {
    throw VirtualFileSystemProvider.refused(src, "copy", "files cannot be copied over SFTP");
  }

  // removeFile and createDirectory are not reached while resolveFileAccessLinkOptions refuses; they
  // refuse too, so that no other route can delete or create anything.

  @Override
  public void removeFile(SftpSubsystemProxy subsystem, Path path, boolean isDirectory) throws IOException {
    throw VirtualFileSystemProvider.refused(path, isDirectory ? "rmdir" : "remove",
        isDirectory ? RMDIR_REFUSED : REMOVE_REFUSED);
  }

  @Override
  public void createDirectory(SftpSubsystemProxy subsystem, Path path) throws IOException {
    throw VirtualFileSystemProvider.refused(path, "mkdir", MKDIR_REFUSED);
  }

  /**
   * Refuses SSH_FXP_SETSTAT and SSH_FXP_FSETSTAT (chmod, chown, utimes, truncate) before MINA
   * touches any attribute. MINA calls this hook first; past it, it applies attributes one by one
   * and logs every failure at WARN with the path, and a path under /redeem/ is a grant token.
   */
  @Override
  public void modifyingAttributes(ServerSession session, Path path, Map<String, ?> attrs) throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  // The setters below are not reached while modifyingAttributes refuses; they replace MINA's
  // defaults, which would go through NIO attribute views, so no other route can change anything.

  @Override
  public void setFileAttribute(SftpSubsystemProxy subsystem, Path file, String view, String attribute, Object value,
      LinkOption... options) throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(file);
  }

  @Override
  public void setFilePermissions(SftpSubsystemProxy subsystem, Path path, Set<PosixFilePermission> perms,
      LinkOption... options) throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  @Override
  public void setFileOwner(SftpSubsystemProxy subsystem, Path path, Principal value, LinkOption... options)
      throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  @Override
  public void setGroupOwner(SftpSubsystemProxy subsystem, Path path, Principal value, LinkOption... options)
      throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  @Override
  public void setFileAccessControl(SftpSubsystemProxy subsystem, Path path, List<AclEntry> acl, LinkOption... options)
      throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  @Override
  public void applyExtensionFileAttributes(SftpSubsystemProxy subsystem, Path path, Map<String, byte[]> extensions,
      LinkOption... options) throws IOException {
    throw VirtualFileSystemProvider.attributesDenied(path);
  }

  @Override
  public void closing(ServerSession session, String remoteHandle, Handle localHandle) {
    if (localHandle instanceof FileHandle fh) {
      if (fh.getFileChannel() instanceof TransferChannel transfer) {
        transfer.closeRequested();
      }
    }
  }

  private static VirtualTree tree(Path path) {
    return ((VirtualFileSystem) path.getFileSystem()).tree();
  }
}
