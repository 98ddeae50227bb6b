package dev.sealdrop.server.store.fs;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner-only storage: the data folder holds the metadata database, ciphertext, the audit log and its
 * signing key, and the SFTP host key, none of which other local users may read. On POSIX file
 * systems folders are created {@code rwx------} and files {@code rw-------} whatever the umask, and
 * {@link #secure} tightens an existing data folder (and all of sealdrop's entries in it) that group or others can
 * reach, with a WARN naming what it changed; entries sealdrop does not write are left as they are, named in a WARN. The data folder at 0700 also covers files the server
 * does not create itself (SQLite's {@code -wal}, {@code -shm} and journal files, which SQLite gives the
 * database file's mode anyway). Elsewhere (Windows) these are plain creations.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "paths are the configured data directory and names under it")
public final class DataFolder {
  private static final Logger LOG = LoggerFactory.getLogger(DataFolder.class);
  private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  /** The file a running server locks, in the data folder. */
  static final String LOCK = "sealdrop.lock";
  /**
   * A start's finding that the database is behind its audit log, kept until the stored files it concerns are set aside
   * (a start cut before that leaves it to the next one).
   */
  public static final String BEHIND_MARK = "database-behind-log";

  /** The audit log's signing key, relative to the data folder (store.audit.FileAudit). */
  public static final String AUDIT_KEY = "audit/audit.key";

  private DataFolder() {}

  /**
   * Creates {@code dataDir} owner-only if missing (its missing parents get the umask's mode), or
   * tightens it and everything below it that group or others may reach. Logs a WARN per change.
   */
  public static void secure(Path dataDir) throws IOException {
    requireNotAFile(dataDir);
    try {
      // a link to the data folder: its tree is what is secured (round AQ: the walk saw the link alone, and left the
      // folder and the SFTP host key readable by all, without a word)
      secureFolder(Files.isSymbolicLink(dataDir) ? dataDir.toRealPath() : dataDir);
      requireWritable(dataDir);
    } catch (java.nio.file.FileSystemException e) {
      throw cannotCreateOrSecure(dataDir, e);
    }
  }

  private static void requireNotAFile(Path dataDir) throws IOException {
    if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
      throw new IOException("the data folder " + dataDir + " is a file, not a folder; check the data setting (--data):"
          + " name a folder (it is created if missing)");
    }
  }

  private static IOException cannotCreateOrSecure(Path dataDir, java.nio.file.FileSystemException e) {
    String why = e.getReason() != null ? e.getReason()
        : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
        // a file where a folder of the path must be (createDirectories reports it so)
        : e instanceof java.nio.file.FileAlreadyExistsException ? "it is a file, not a folder"
        // a parent that exists but cannot hold a new folder (/proc) is reported as missing too
        : e instanceof java.nio.file.NoSuchFileException ? "no such file or folder, or no folder can be created there"
        : e.getClass().getSimpleName();
    return new IOException("cannot create or secure the data folder " + dataDir + " (" + e.getFile() + ": " + why
        + "); check the data setting (--data) and that the server's user may write there", e);
  }

  /**
   * Creates and deletes an empty file in {@code dataDir}: an existing folder on a read-only file system (or one the
   * server's user may not write) is told here with the data setting, not later as the database pool's failure.
   */
  private static void requireWritable(Path dataDir) throws IOException {
    Path probe = Files.createTempFile(dataDir, ".write-probe-", "", ownerOnlyFile(dataDir.resolve("probe")));
    Files.delete(probe);
  }

  private static void secureFolder(Path dataDir) throws IOException {
    if (!posix(dataDir)) {
      Files.createDirectories(dataDir);
      return;
    }
    if (!Files.exists(dataDir, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = dataDir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      createFolder(dataDir);
      return;
    }
    List<String> tightened = new ArrayList<>();
    List<String> foreign = new ArrayList<>();
    List<String> othersOwn = new ArrayList<>();
    UserPrincipal me = serverUser(dataDir);
    boolean shared;
    try (java.util.stream.Stream<Path> entries = Files.list(dataDir)) {
      shared = entries.anyMatch(p -> !isOwn(p.getFileName().toString()));
    }
    // links among sealdrop's entries are followed (blobs/ on a bigger disk): what they lead to is checked and tightened
    // as the entry itself (round AU: a linked blobs/ owned by another account, open to all, was used without a word)
    Files.walkFileTree(dataDir, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof java.nio.file.NoSuchFileException) {
          return FileVisitResult.CONTINUE; // deleted since it was listed
        }
        throw e;
      }

      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        if (isForeign(dir)) {
          foreign.add(dataDir.relativize(dir) + "/");
          return FileVisitResult.SKIP_SUBTREE;
        }
        // a folder that holds others' entries keeps its mode (data=/tmp made /tmp 0700; outside test): sealdrop's own
        // entries in it are owner-only each
        if (!(shared && dir.equals(dataDir))) {
          requireOurs(dir, me, othersOwn);
          tighten(dir, tightened);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (isForeign(file)) {
          foreign.add(dataDir.relativize(file).toString());
          return FileVisitResult.CONTINUE;
        }
        requireOurs(file, me, othersOwn);
        // the audit key is left as it is: its loader refuses one others could read (docs/admin.md), since a key that
        // may have been copied must be replaced by its operator, not quietly kept in use
        if (attrs.isRegularFile() && !file.equals(dataDir.resolve(AUDIT_KEY))) {
          tighten(file, tightened);
        }
        return FileVisitResult.CONTINUE;
      }

      /** An entry of the data folder itself that sealdrop does not write: the operator's, left as it is. */
      private boolean isForeign(Path p) {
        return dataDir.equals(p.getParent()) && !isOwn(p.getFileName().toString());
      }
    });
    if (!othersOwn.isEmpty()) {
      // round AG: another account that owns an entry can change it under the server (an identity added to the
      // database, a stored file or the audit key swapped); its owner's data is not ours to take over with chown
      throw new IOException("the data folder " + dataDir.toAbsolutePath() + " holds " + othersOwn.size() + " entr"
          + (othersOwn.size() == 1 ? "y" : "ies") + " owned by another user than the server's (" + me.getName() + "): "
          + (othersOwn.size() <= 10 ? String.join(", ", othersOwn) : String.join(", ", othersOwn.subList(0, 10))
          + ", ...") + "; that user could change the server's data, audit log or keys under it. If the folder is"
          + " this server's, give those entries to the server's user (chown " + me.getName() + " on each); else check"
          + " the data setting (--data)");
    }
    if (!foreign.isEmpty()) {
      // a data folder that was meant to be another (the working folder, a home folder): its files are not ours to
      // chmod; sealdrop's own entries beside them are secured all the same
      LOG.warn("the data folder {} holds {} entr{} sealdrop did not write, left as they are, as is the folder's own"
          + " mode: {}; a data folder should hold only sealdrop's data: check the data setting (--data)",
          dataDir.toAbsolutePath(), foreign.size(),
          foreign.size() == 1 ? "y" : "ies", foreign.size() <= 10 ? String.join(", ", foreign)
              : String.join(", ", foreign.subList(0, 10)) + ", ...");
    }
    if (!tightened.isEmpty()) {
      LOG.warn("the data folder {} was readable by other local users: tightened {} entr{} to owner-only (folders"
          + " rwx------, files rw-------): {}", dataDir.toAbsolutePath(), tightened.size(),
          tightened.size() == 1 ? "y" : "ies", tightened.size() <= 10 ? String.join(", ", tightened)
              : String.join(", ", tightened.subList(0, 10)) + ", ...");
    }
  }

  /**
   * Whether {@code name}, in the data folder itself, is one of sealdrop's entries: the database and SQLite's files
   * beside it, the audit, blob and temporary folders, the SFTP door's host key, the write probe, and a finding that the database is behind its log.
   */
  static boolean isOwn(String name) {
    return name.equals("audit") || name.equals("blobs") || name.equals("tmp") || name.startsWith("sealdrop.db")
        || name.equals(LOCK) || name.equals(BEHIND_MARK) || name.startsWith("ssh_host_")
        || name.startsWith(".write-probe-");
  }

  /** A data folder held by this server ({@link #lock}); released when the server stops. */
  public static final class Lock implements AutoCloseable {
    private final FileChannel channel;
    private final Path file;

    private Lock(FileChannel channel, Path file) {
      this.channel = channel;
      this.file = file;
    }

    /** Releases the folder (idempotent). */
    @Override
    public void close() {
      if (!channel.isOpen()) {
        return;
      }
      try {
        channel.close(); // releases the lock
      } catch (IOException e) {
        LOG.warn("cannot release the data folder's lock: {}", e.toString());
      } finally {
        HELD.remove(file);
      }
    }
  }

  /** Another server (or another start in this process) holds the data folder. */
  public static final class InUseException extends IOException {
    private static final long serialVersionUID = 1L;

    InUseException(Path dataDir) {
      super("the data folder " + dataDir.toAbsolutePath() + " is held by another sealdrop server");
    }
  }

  /**
   * Takes the data folder for this server, before anything in it is opened (round AQ: two servers started at once on
   * a new folder both ran the database's migrations, and the loser, refused only later by the audit log's lock, was told
   * to restore a healthy database from a backup). The lock lasts until {@link Lock#close} or the process's end.
   */
  public static Lock lock(Path dataDir) throws IOException {
    requireNotAFile(dataDir);
    Path real;
    try {
      if (!Files.exists(dataDir)) {
        Path parent = dataDir.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        createFolder(dataDir);
      }
      real = dataDir.toRealPath().resolve(LOCK);
    } catch (java.nio.file.FileSystemException e) {
      throw cannotCreateOrSecure(dataDir, e);
    }
    // held in this JVM: refused before a second descriptor is opened, since closing any descriptor of a file drops
    // the process's lock on it (round AT)
    if (!HELD.add(real)) {
      throw new InUseException(dataDir);
    }
    FileChannel channel = null;
    try {
      try {
        channel = FileChannel.open(real, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            ownerOnlyFile(real));
      } catch (java.nio.file.FileSystemException e) {
        // a folder the server's user may not write, or a read-only file system: said with the data setting, not as the
        // lock file's bare path (round CR: `cannot start: DATA/sealdrop.lock` and nothing else)
        throw cannotCreateOrSecure(dataDir, e);
      }
      if (channel.tryLock() != null) {
        if (auditLogHeldElsewhere(dataDir)) {
          // a server from before the folder lock runs on this folder (review EI: the new one migrated its database
          // under it, and only then met the audit log's lock)
          channel.close();
          HELD.remove(real);
          throw new InUseException(dataDir);
        }
        return new Lock(channel, real);
      }
      channel.close();
      HELD.remove(real);
      throw new InUseException(dataDir);
    } catch (IOException | RuntimeException | Error e) {
      if (channel != null && channel.isOpen()) {
        channel.close();
      }
      HELD.remove(real);
      throw e;
    }
  }

  /**
   * Whether another process holds the audit log's lock ({@code audit/audit.jsonl}): a server older than the folder's
   * lock file, which takes only that one. Probed with a lock of its own, let go at once (no descriptor of the log is
   * open in this process before the server opens it).
   */
  private static boolean auditLogHeldElsewhere(Path dataDir) throws IOException {
    Path log = dataDir.resolve("audit").resolve("audit.jsonl");
    if (!Files.isRegularFile(log, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (FileChannel probe = FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.channels.FileLock held = probe.tryLock();
      if (held == null) {
        return true;
      }
      held.release();
      return false;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      return true;
    } catch (java.nio.file.FileSystemException e) {
      return false; // not ours to judge here: opening the log says what is wrong with it
    }
  }

  /** The lock files this JVM holds (real paths). */
  private static final Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** sealdrop's folders in the data folder, and what each holds, as a refusal names them. */
  private static final java.util.Map<String, String> OWN_FOLDERS = new java.util.LinkedHashMap<>();

  static {
    OWN_FOLDERS.put("blobs", "the folder of stored files");
    OWN_FOLDERS.put("audit", "the folder of the audit log and its signing key");
    OWN_FOLDERS.put("tmp", "the folder of unfinished uploads");
  }

  /**
   * Refuses a data folder where a file (or anything but a folder) stands in place of one of sealdrop's folders
   * ({@code blobs}, {@code audit}, {@code tmp}), before anything in the data folder is changed. Round DA: a file for
   * {@code blobs/} or {@code audit/} was tightened (0644 to 0600), the audit log given {@code server.start} and
   * {@code server.stop start-failed}, and the database opened and written, before the start was refused, and for
   * {@code blobs} the refusal said the folder was missing; every other damaged data folder is refused with nothing
   * written. A link to a folder (blobs/ on a bigger disk) is a folder here; one that leads nowhere is left to the checks
   * that say what is missing.
   */
  public static void requireOwnFolders(Path dataDir) throws IOException {
    for (java.util.Map.Entry<String, String> folder : OWN_FOLDERS.entrySet()) {
      Path p = dataDir.resolve(folder.getKey());
      if (Files.exists(p) && !Files.isDirectory(p)) {
        throw new IOException(p + " is " + (Files.isRegularFile(p) ? "a file" : "not a folder") + ", where sealdrop"
            + " keeps " + folder.getValue() + "; move it away, then restore the folder from a backup of the data"
            + " folder (docs/admin.md, \"Backups and restores\")");
      }
    }
  }

  /** Creates {@code dir} ({@code rwx------}) if it does not exist; returns it. Its parent must exist. */
  public static Path createFolder(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return dir;
    }
    try {
      if (posix(dir)) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(FOLDER));
        Files.setPosixFilePermissions(dir, FOLDER); // the umask never adds bits, but make it exact
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      if (Files.isSymbolicLink(dir) && !Files.exists(dir)) {
        // round DA: a loop of links (or a link to nothing) was called "a file"
        throw new FileAlreadyExistsException(dir.toString(), null, "a symbolic link is there that leads to no folder"
            + " (a loop of links, or its target is missing), where sealdrop keeps a folder; point it at a folder, or"
            + " remove it");
      }
      if (!Files.isDirectory(dir)) {
        // said in words: the exception's own message is the bare path (round CR: `cannot start: DATA/blobs`)
        throw new FileAlreadyExistsException(dir.toString(), null, "a file is there, where sealdrop keeps a folder;"
            + " move it away, or restore the folder from a backup of the data folder");
      }
    }
    return dir;
  }

  /** The attributes for a new file ({@code rw-------}), for {@code Files.createFile} or {@code FileChannel.open}. */
  public static FileAttribute<?>[] ownerOnlyFile(Path file) {
    return posix(file) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /**
   * Refuses a data folder whose database is gone while what it recorded is still there: {@code database} missing, or
   * empty with no write-ahead log, beside stored files ({@code blobs/}) or an audit log with records. A new database
   * there would know none of them, and the start-up clean-up would delete every stored file as never committed (round
   * AG: a database lost to a failed restore or a mistaken {@code rm} cost every file, grant and identity, silently).
   */
  public static void requireDatabaseOfItsHistory(Path dataDir, Path database) throws IOException {
    Path wal = database.resolveSibling(database.getFileName() + "-wal");
    boolean none = !Files.exists(database)
        || Files.size(database) == 0 && (!Files.exists(wal) || Files.size(wal) == 0);
    if (!none) {
      return;
    }
    List<String> history = new ArrayList<>();
    Path blobs = dataDir.resolve("blobs");
    if (Files.isDirectory(blobs)) {
      try (java.util.stream.Stream<Path> stored = Files.list(blobs)) {
        long n = stored.count();
        if (n > 0) {
          history.add(n + " stored file(s) in " + blobs);
        }
      }
    }
    Path auditLog = dataDir.resolve("audit").resolve("audit.jsonl");
    if (Files.exists(auditLog) && Files.size(auditLog) > 0) {
      history.add("an audit log with records (" + auditLog + ")");
    }
    if (!history.isEmpty()) {
      throw new IOException("the database " + database + " is " + (Files.exists(database) ? "empty" : "missing")
          + ", but the data folder holds " + String.join(" and ", history) + ": a new database would know none of"
          + " them, and every stored file would be deleted as never committed. Restore " + database.getFileName()
          + " (with its -wal file) from a backup of this folder; to start anew, give an empty folder with --data");
    }
  }

  /** Creates {@code file} empty and {@code rw-------} if it does not exist (e.g. before SQLite creates it 0644). */
  public static void createFileIfAbsent(Path file) throws IOException {
    try {
      Files.createFile(file, ownerOnlyFile(file));
    } catch (FileAlreadyExistsException e) {
      // kept as it is; secure() has tightened it
    }
  }

  /**
   * The account the server runs as, as the data folder's file system names owners: the owner of a file it creates
   * there (any uid, one without a name too, as in containers that run an arbitrary uid: round AT), else the account
   * named by {@code user.name}; null where neither can be told, and then ownership is not checked.
   */
  private static UserPrincipal serverUser(Path dataDir) {
    try {
      Path probe = Files.createTempFile(dataDir, ".write-probe-", "", ownerOnlyFile(dataDir.resolve("probe")));
      try {
        return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // a folder the server cannot write yet (the walk may make it so, or requireWritable says why)
    }
    try {
      return dataDir.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** Notes {@code p} in {@code othersOwn} unless {@code me} (null: not known) owns it. */
  private static void requireOurs(Path p, UserPrincipal me, List<String> othersOwn) throws IOException {
    if (me == null) {
      return;
    }
    UserPrincipal owner;
    try {
      owner = Files.getOwner(p); // (what a link leads to: the walk follows them)
    } catch (java.nio.file.NoSuchFileException gone) {
      return;
    }
    if (!owner.equals(me)) {
      othersOwn.add(p + " (owned by " + owner.getName() + ")");
    }
  }

  /** Removes every group and others bit (the owner's bits are kept as they are). */
  private static void tighten(Path p, List<String> tightened) throws IOException {
    Set<PosixFilePermission> now;
    try {
      now = Files.getPosixFilePermissions(p);
    } catch (java.nio.file.NoSuchFileException gone) {
      return; // deleted since it was listed
    }
    Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
    loose.addAll(now);
    loose.retainAll(GROUP_OR_OTHERS);
    if (loose.isEmpty()) {
      return;
    }
    Set<PosixFilePermission> next = EnumSet.noneOf(PosixFilePermission.class);
    next.addAll(now);
    next.removeAll(GROUP_OR_OTHERS);
    Files.setPosixFilePermissions(p, next);
    tightened.add(p + " " + PosixFilePermissions.toString(now) + " -> " + PosixFilePermissions.toString(next));
  }

  /** Whether {@code p}'s file system has POSIX permissions ({@code p} need not exist). */
  private static boolean posix(Path p) {
    return Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
  }
}
