package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The data folder is the owner's alone: folders rwx------, files rw-------, whatever the umask; an
 * existing folder that other local users could read is tightened at start, with a WARN.
 */
class DataFolderPermissionsTest {
  @TempDir
  Path dir;

  @BeforeEach
  void posixOnly() {
    assumeThat(Files.getFileAttributeView(dir, PosixFileAttributeView.class)).as("a POSIX file system").isNotNull();
  }

  @Test
  void aNewDataFolderAndEverythingTheServerWritesIntoItIsOwnerOnly() throws Exception {
    Path data = dir.resolve("data");
    try (TestServer server = new TestServer(data)) {
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(50_000, 7), "bob").bytes());
        // an unfinished upload leaves a file in tmp/
        Transfers.createUpload(clients, "alice", 1000);
      }
      assertThat(mode(data)).isEqualTo("rwx------");
      assertOwnerOnly(data);
      try (Stream<Path> blobs = Files.list(data.resolve("blobs"))) {
        assertThat(blobs.count()).as("the committed blob is checked too").isPositive();
      }
    }
  }

  @Test
  void aDataSettingThatNamesAFileOrAnUnwritablePlaceIsRefusedNamingTheSetting() throws Exception {
    Path file = Files.writeString(dir.resolve("notes.txt"), "not a folder\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> new TestServer(file).close()).hasMessageContaining(
        "the data folder " + file + " is a file, not a folder; check the data setting (--data)");
    assertThat(mode(file)).as("a file given as --data is left alone, not tightened").isEqualTo("rw-r--r--");
    Path underAFile = file.resolve("data");
    assertThatThrownBy(() -> new TestServer(underAFile).close()).hasMessageContaining(
        "cannot create or secure the data folder " + underAFile).hasMessageContaining("check the data setting (--data)")
        .hasMessageContaining(file + ": it is a file, not a folder").hasMessageNotContaining("FileAlreadyExistsException");
  }

  /** Round CR: a file where the server keeps one of its folders stopped the start with its bare path. */
  @Test
  void aFileWhereTheServerKeepsAFolderIsNamedInWords() throws Exception {
    for (String folder : List.of("blobs", "tmp", "audit")) {
      Path data = Files.createDirectory(dir.resolve("data-" + folder));
      Path file = Files.writeString(data.resolve(folder), "not a folder\n");
      assertThatThrownBy(() -> new TestServer(data).close()).hasStackTraceContaining(
          file + " is a file, where sealdrop keeps the folder of ").hasStackTraceContaining("; move it away");
    }
  }

  /**
   * Round DA: a file where a data folder in use keeps {@code blobs/} or {@code audit/} was chmodded (0644 to 0600), the
   * audit log given server.start and server.stop start-failed, and the database written before the start was refused;
   * and a file for blobs/ was called missing. It is refused before anything is changed, saying what is there.
   */
  @Test
  void aFileWhereAFolderInUseShouldBeIsRefusedBeforeAnythingIsChanged() throws Exception {
    for (String folder : List.of("blobs", "audit")) {
      Path data = dir.resolve("used-" + folder);
      try (TestServer first = new TestServer(data); Clients clients = first.clients()) {
        Users.publish(clients, first.pki, "alice");
        Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(5_000, 9), "bob").bytes());
      }
      Path moved = Files.move(data.resolve(folder), dir.resolve(folder + "-moved-" + folder));
      Path file = Files.writeString(data.resolve(folder), "not a folder\n");
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      java.util.Map<String, String> before = snapshot(data);
      assertThatThrownBy(() -> new TestServer(data).close()).as(folder).hasMessageContaining(file
          + " is a file, where sealdrop keeps the folder of " + (folder.equals("blobs") ? "stored files" : "the audit log"))
          .hasMessageContaining("move it away").hasMessageNotContaining("is missing");
      assertThat(snapshot(data)).as("nothing in %s changed: modes, the database, the audit log", folder)
          .isEqualTo(before);
      assertThat(mode(file)).isEqualTo("rw-r--r--");
      Files.delete(file);
      Files.move(moved, data.resolve(folder));
      new TestServer(data).close(); // put back, it starts
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Every entry under {@code data}: its mode and, for a file, its content's hash. */
  private static java.util.Map<String, String> snapshot(Path data) throws IOException {
    java.util.Map<String, String> all = new java.util.TreeMap<>();
    try (Stream<Path> entries = Files.walk(data)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String content = Files.isRegularFile(p) ? sha256(Files.readAllBytes(p)) : "folder";
        all.put(data.relativize(p).toString(), mode(p) + " " + content);
      }
    }
    return all;
  }

  /** Round DA: a loop of symbolic links as the data folder (or one of its folders) was called "a file". */
  @Test
  void aSymbolicLinkLoopWhereAFolderShouldBeIsNamedAsSuch() throws Exception {
    Path a = dir.resolve("loop-a");
    Path b = dir.resolve("loop-b");
    Files.createSymbolicLink(a, b.getFileName());
    Files.createSymbolicLink(b, a.getFileName());
    assertThatThrownBy(() -> new TestServer(a).close()).hasStackTraceContaining(
        "a symbolic link is there that leads to no folder (a loop of links, or its target is missing)");
  }

  @Test
  void aDataFolderOthersCanReadIsTightenedAtStartWithAWarning() throws Exception {
    // what umask 022 made before: the folder 0755, the database and a blob folder readable by everyone
    Path data = Files.createDirectory(dir.resolve("data"), perms("rwxr-xr-x"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path blobs = Files.createDirectory(data.resolve("blobs"));
    Files.setPosixFilePermissions(blobs, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (TestServer first = new TestServer(data)) {
      first.server(); // creates sealdrop.db, its WAL files, the audit log
    }
    Files.setPosixFilePermissions(data.resolve("sealdrop.db"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(blobs, PosixFilePermissions.fromString("rwxrwxr-x"));

    CapturedLog logs = new CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try (TestServer server = new TestServer(data)) {
      assertThat(mode(data)).isEqualTo("rwx------");
      assertThat(mode(blobs)).isEqualTo("rwx------");
      assertThat(mode(data.resolve("sealdrop.db"))).as("the database is not world-readable").isEqualTo("rw-------");
      assertOwnerOnly(data);
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    assertThat(logs.events()).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("readable by other local users")).singleElement().asString()
        .contains(data.toAbsolutePath().toString(), "rwxr-xr-x -> rwx------", "sealdrop.db rw-r--r-- -> rw-------");
  }

  /**
   * Review RI: the start's own finding that the database is behind its log ({@code database-behind-log}, kept for a
   * start cut before it set the files aside) was named as a file sealdrop did not write, pointing the operator at the
   * --data setting during a restore, and kept the folder's own mode from being tightened.
   */
  @Test
  void theFindingThatTheDatabaseIsBehindIsSealdropsOwnEntry() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"), perms("rwxr-xr-x"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path mark = Files.writeString(data.resolve("database-behind-log"), "");
    Files.setPosixFilePermissions(mark, PosixFilePermissions.fromString("rw-r--r--"));

    CapturedLog logs = new CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    try {
      dev.sealdrop.server.store.fs.DataFolder.secure(data);
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    assertThat(mode(data)).as("the folder is sealdrop's alone: tightened").isEqualTo("rwx------");
    assertThat(mode(mark)).isEqualTo("rw-------");
    assertThat(logs.events()).extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(m -> m.contains("sealdrop did not write"));
  }

  /**
   * A data folder that holds the operator's own files (the working folder, named by mistake): sealdrop's entries are
   * secured, the others left as they were and named in a WARN (outside test: `data=` took the working folder and
   * chmodded a whole project tree).
   */
  @Test
  void entriesSealdropDidNotWriteAreLeftAsTheyAreAndNamed() throws Exception {
    Path data = Files.createDirectory(dir.resolve("project"), perms("rwxr-xr-x"));
    Path src = Files.createDirectory(data.resolve("src"), perms("rwxr-xr-x"));
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path main = Files.writeString(src.resolve("Main.java"), "class Main {}\n");
    Files.setPosixFilePermissions(main, PosixFilePermissions.fromString("rw-r--r--"));
    Path run = Files.writeString(data.resolve("run.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));

    CapturedLog logs = new CapturedLog();
    logs.start();
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(logs);
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (TestServer server = new TestServer(data)) {
      server.server();
      assertThat(mode(data)).as("a folder others use keeps its mode (data=/tmp made /tmp 0700)").isEqualTo("rwxrwxrwx");
      assertThat(mode(src)).isEqualTo("rwxr-xr-x");
      assertThat(mode(main)).isEqualTo("rw-r--r--");
      assertThat(mode(run)).isEqualTo("rwxr-xr-x");
      assertThat(mode(data.resolve("sealdrop.db"))).isEqualTo("rw-------");
      assertThat(mode(data.resolve("blobs"))).isEqualTo("rwx------");
    } finally {
      root.detachAppender(logs);
      logs.stop();
    }
    assertThat(logs.events()).filteredOn(e -> e.getLevel() == Level.WARN).extracting(ILoggingEvent::getFormattedMessage)
        .filteredOn(m -> m.contains("sealdrop did not write")).singleElement().asString()
        .contains("holds 2 entries sealdrop did not write, left as they are, as is the folder's own mode: ").contains("src/").contains("run.sh")
        .contains("check the data setting (--data)");
  }

  /**
   * docs/admin.md "The audit log": the audit key is not tightened with the rest but refused, since a key others
   * could read may have been copied (found by an outside test: it was quietly tightened and used).
   */
  @Test
  void anAuditKeyOthersCouldReadStopsTheStartAndIsLeftAsItIs() throws Exception {
    Path data = dir.resolve("data-key");
    try (TestServer first = new TestServer(data)) {
      first.server();
    }
    Path key = data.resolve("audit/audit.key");
    byte[] before = Files.readAllBytes(key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
    assertThatThrownBy(() -> new TestServer(data).server()).hasStackTraceContaining("audit key file " + key)
        .hasStackTraceContaining("is accessible by others (rw-r-----): run 'chmod 600 " + key + "' and check who read it");
    assertThat(mode(key)).as("left for its operator to look at").isEqualTo("rw-r-----");
    assertThat(Files.readAllBytes(key)).isEqualTo(before);
  }

  /**
   * Round AG: entries of the data folder owned by another account were used, though that account could change the
   * server's database, stored files or audit key under it. The start is refused, naming each; the operator's own
   * files beside them are not looked at. (Only a server running as root can hand an entry to another account here.)
   */
  @Test
  void entriesOwnedByAnotherAccountStopTheStartNamingEach() throws Exception {
    assumeThat(System.getProperty("user.name")).as("only root can give a file away").isEqualTo("root");
    Path data = dir.resolve("data-owned");
    try (TestServer first = new TestServer(data)) {
      first.server();
    }
    java.nio.file.attribute.UserPrincipal nobody = data.getFileSystem().getUserPrincipalLookupService()
        .lookupPrincipalByName("nobody");
    Path notes = Files.writeString(data.resolve("operator-notes.txt"), "the operator's\n");
    Files.setOwner(notes, nobody);
    Files.setOwner(data.resolve("audit/audit.key"), nobody);
    Files.setOwner(data.resolve("blobs"), nobody);
    assertThatThrownBy(() -> new TestServer(data).close()).hasMessageContaining("the data folder " + data
        + " holds 2 entries owned by another user than the server's (root): ").hasMessageContaining(
        data.resolve("blobs") + " (owned by nobody)").hasMessageContaining(data.resolve("audit/audit.key")
        + " (owned by nobody)").hasMessageContaining("give those entries to the server's user (chown root on each)")
        .hasMessageNotContaining("operator-notes");
    Files.setOwner(data.resolve("audit/audit.key"), Files.getOwner(data));
    Files.setOwner(data.resolve("blobs"), Files.getOwner(data));
    try (TestServer again = new TestServer(data)) {
      again.server();
    }
  }

  /**
   * Round AQ: a data setting that names a symbolic link to the folder was not tightened at all (the walk saw the link
   * alone): the folder, the database and the SFTP host key stayed readable by every local user, without a word.
   */
  @Test
  void aDataFolderGivenThroughASymbolicLinkIsTightenedAsTheFolderItself() throws Exception {
    Path real = Files.createDirectory(dir.resolve("real-data"));
    Path link = Files.createSymbolicLink(dir.resolve("link-data"), real);
    try (TestServer first = new TestServer(link)) {
      first.server();
    }
    Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(real.resolve("blobs"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(real.resolve("sealdrop.db"), PosixFilePermissions.fromString("rw-r--r--"));
    try (TestServer again = new TestServer(link)) {
      again.server();
    }
    assertThat(mode(real)).isEqualTo("rwx------");
    assertOwnerOnly(real);
  }

  /**
   * Round AU: an entry of the data folder that is a symbolic link (blobs/ on a bigger disk) was neither tightened nor
   * owner-checked: the stored files sat in a folder open to all. What a link leads to is checked as the entry itself.
   */
  @Test
  void aLinkedEntryIsTightenedAndOwnerCheckedAsWhatItLeadsTo() throws Exception {
    Path data = dir.resolve("data-linked");
    try (TestServer first = new TestServer(data)) {
      first.server();
    }
    Path elsewhere = Files.createDirectory(dir.resolve("bigger-disk"));
    try (Stream<Path> blobs = Files.list(data.resolve("blobs"))) {
      for (Path b : blobs.toList()) {
        Files.move(b, elsewhere.resolve(b.getFileName()));
      }
    }
    Files.delete(data.resolve("blobs"));
    Files.createSymbolicLink(data.resolve("blobs"), elsewhere);
    Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (TestServer again = new TestServer(data)) {
      again.server();
    }
    assertThat(mode(elsewhere)).as("what the link leads to is tightened").isEqualTo("rwx------");
    if ("root".equals(System.getProperty("user.name"))) {
      java.nio.file.attribute.UserPrincipal nobody = data.getFileSystem().getUserPrincipalLookupService()
          .lookupPrincipalByName("nobody");
      Files.setOwner(elsewhere, nobody);
      assertThatThrownBy(() -> new TestServer(data).close()).hasMessageContaining("holds 1 entry owned by another"
          + " user than the server's (root): " + data.resolve("blobs") + " (owned by nobody)");
    }
  }

  /** Nothing under {@code data} (SQLite's -wal and -shm files included) grants group or others anything. */
  private static void assertOwnerOnly(Path data) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(data)) {
      all = s.toList();
    }
    assertThat(all).extracting(p -> data.relativize(p).toString())
        .contains("sealdrop.db", "blobs", "tmp", "audit");
    for (Path p : all) {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      assertThat(PosixFilePermissions.toString(perms)).as(data.relativize(p).toString())
          .isEqualTo(Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------");
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static java.nio.file.attribute.FileAttribute<Set<PosixFilePermission>> perms(String mode) {
    return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode));
  }
}
