package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round AG: a server started on a data folder whose database was missing or empty made a new one and deleted every
 * stored file as never committed; a damaged database or one of a newer sealdrop was a stack trace, or was served. Each
 * is now refused at start, saying what to do, and nothing in the folder is touched.
 */
class DatabaseLossTest {
  @TempDir
  Path data;

  private List<Path> storedFiles() throws IOException {
    try (Stream<Path> s = Files.list(data.resolve("blobs"))) {
      return s.toList();
    }
  }

  private void storeOneFile(TestServer server) {
    try (Clients clients = server.clients()) {
      Users.publish(clients, server.pki, "alice");
      Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(10_000, 70), "bob").bytes());
    }
    server.close();
  }

  private static String refusedStart(TestServer server) {
    UncheckedIOException e = catchThrowableOfType(server::start, UncheckedIOException.class);
    assertThat(e).as("the start is refused").isNotNull();
    return e.getCause().getMessage();
  }

  private void deleteDatabase() throws IOException {
    for (String f : List.of("sealdrop.db", "sealdrop.db-wal", "sealdrop.db-shm")) {
      Files.deleteIfExists(data.resolve(f));
    }
  }

  @Test
  void aMissingOrEmptyDatabaseBesideStoredFilesIsRefusedAndTheFilesAreKept() throws Exception {
    TestServer server = new TestServer(data);
    storeOneFile(server);
    List<Path> stored = storedFiles();
    assertThat(stored).hasSize(1);

    deleteDatabase();
    assertThat(refusedStart(server)).contains("sealdrop.db is missing").contains("1 stored file(s)")
        .contains("an audit log with records").contains("Restore sealdrop.db");
    Files.createFile(data.resolve("sealdrop.db"));
    assertThat(refusedStart(server)).contains("sealdrop.db is empty");
    assertThat(storedFiles()).as("no stored file deleted").isEqualTo(stored);
  }

  @Test
  void aMissingFolderOfStoredFilesBesideADatabaseThatRecordsThemIsRefused() throws Exception {
    TestServer server = new TestServer(data);
    storeOneFile(server);
    Path moved = Files.move(data.resolve("blobs"), data.resolve("blobs-elsewhere"));
    assertThat(refusedStart(server)).contains("blobs is missing").contains("records 1 stored file(s)");
    assertThat(data.resolve("blobs")).as("not made anew").doesNotExist();
    Files.move(moved, data.resolve("blobs"));
    server.start(); // as it was: it starts
    server.close();
  }

  @Test
  void aDamagedDatabaseIsASentenceNotAStackTrace() throws Exception {
    TestServer server = new TestServer(data);
    storeOneFile(server);
    Files.deleteIfExists(data.resolve("sealdrop.db-wal"));
    Files.deleteIfExists(data.resolve("sealdrop.db-shm"));
    try (var ch = java.nio.channels.FileChannel.open(data.resolve("sealdrop.db"),
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(1000);
    }
    assertThat(refusedStart(server)).contains("the database").contains("cannot be used")
        .contains("restore it (with its -wal file) from a backup");
  }

  @Test
  void aDatabaseOfANewerSealdropIsRefused() throws Exception {
    TestServer server = new TestServer(data);
    storeOneFile(server);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
          + " installed_by, installed_on, execution_time, success) VALUES (1000, '999', 'future', 'SQL',"
          + " 'V999__future.sql', 1, 'test', CURRENT_TIMESTAMP, 1, 1)");
    }
    // round DB: it named no version, and ended in Flyway's advice to "run repair", which would have this older server
    // run on the newer schema
    assertThat(refusedStart(server)).contains("was migrated by a newer sealdrop server")
        .contains("its schema is at version 999, and this server's migrations end at version " + latestMigration())
        .contains("restore the whole data folder from the backup taken before the upgrade")
        .doesNotContain("run repair").doesNotContain("https://");
    assertThat(storedFiles()).as("no stored file deleted").hasSize(1);
  }

  @Test
  void anAlteredSchemaHistoryNamesTheMigrationWithoutTheLibrarysAdviceToRepairIt() throws Exception {
    TestServer server = new TestServer(data);
    storeOneFile(server);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement st = c.createStatement()) {
      st.execute("UPDATE flyway_schema_history SET checksum = 12345 WHERE version = '1'");
    }
    assertThat(refusedStart(server)).contains("cannot be used").contains("does not match this server's migrations")
        .contains("version 1").contains("restore it (with its -wal file) from a backup")
        .doesNotContain("run repair").doesNotContain("https://");
  }

  /** The version of the last migration this server has (db/migration, V{n}__*.sql). */
  private static String latestMigration() throws Exception {
    try (Stream<Path> files = Files.list(Path.of(DatabaseLossTest.class.getResource("/db/migration").toURI()))) {
      return String.valueOf(files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V[0-9]+__.*\\.sql"))
          .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow());
    }
  }
}
