package dev.sealdrop.server.door.sftp;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.sshd.sftp.server.DefaultGroupPrincipal;
import org.apache.sshd.sftp.server.DefaultUserPrincipal;

/** Attributes of a virtual node: a folder or a regular file; never a link. */
record VirtualAttributes(boolean directory, long size, Instant time, String ownerName, Set<PosixFilePermission> mode)
    implements PosixFileAttributes {

  /**
   * {@code writable}: rwx (new files may be written in it) or r-x; {@code time}: when the session
   * logged in (the tree has no folder history).
   */
  static VirtualAttributes folder(String owner, boolean writable, Instant time) {
    return new VirtualAttributes(true, 0, time, owner,
        PosixFilePermissions.fromString(writable ? "rwx------" : "r-x------"));
  }

  /** A folder the caller's role may not use (an acquirer's {@code /outbox}, a transferor's {@code /inbox}): no mode. */
  static VirtualAttributes closedFolder(String owner, Instant time) {
    return new VirtualAttributes(true, 0, time, owner, PosixFilePermissions.fromString("---------"));
  }

  /**
   * {@code readable}: r-------- for what can be opened for reading (/redeem/ names); a listed entry
   * that cannot be downloaded (an uploaded file, an inbox grant) reports no permission at all.
   */
  static VirtualAttributes file(String owner, long size, Instant time, boolean readable) {
    return new VirtualAttributes(false, size, time, owner, PosixFilePermissions.fromString(readable ? "r--------" : "---------"));
  }

  /** An upload this session is writing now: write-only, its size what arrived so far. */
  static VirtualAttributes upload(String owner, long size, Instant started) {
    return new VirtualAttributes(false, size, started, owner, PosixFilePermissions.fromString("-w-------"));
  }

  @Override
  public FileTime lastModifiedTime() {
    return FileTime.from(time);
  }

  @Override
  public FileTime lastAccessTime() {
    return FileTime.from(time);
  }

  @Override
  public FileTime creationTime() {
    return FileTime.from(time);
  }

  @Override
  public boolean isRegularFile() {
    return !directory;
  }

  @Override
  public boolean isDirectory() {
    return directory;
  }

  @Override
  public boolean isSymbolicLink() {
    return false;
  }

  @Override
  public boolean isOther() {
    return false;
  }

  @Override
  public Object fileKey() {
    return null;
  }

  @Override
  public UserPrincipal owner() {
    return new DefaultUserPrincipal(ownerName);
  }

  @Override
  public GroupPrincipal group() {
    return new DefaultGroupPrincipal("sealdrop");
  }

  @Override
  public Set<PosixFilePermission> permissions() {
    return mode;
  }

  /** The map form of {@code readAttributes(path, "basic:*" | "posix:*")}. */
  Map<String, Object> asMap(boolean posix) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", size);
    m.put("lastModifiedTime", lastModifiedTime());
    m.put("lastAccessTime", lastAccessTime());
    m.put("creationTime", creationTime());
    m.put("isRegularFile", isRegularFile());
    m.put("isDirectory", isDirectory());
    m.put("isSymbolicLink", false);
    m.put("isOther", false);
    if (posix) {
      m.put("permissions", permissions());
      m.put("owner", owner());
      m.put("group", group());
    }
    return m;
  }
}
