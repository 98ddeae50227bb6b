package dev.sealdrop.server.store.meta;

import java.io.IOException;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The metadata database: an embedded SQLite file (WAL, {@code synchronous=FULL}), migrated by
 * Flyway. The schema is portable SQL, so a PostgreSQL URL works the same way.
 *
 * <p>On SQLite, <b>all writes go through one connection and one thread</b> ({@link
 * GroupCommitWriter}): writers queue in the JVM, first come first served, instead of several pooled
 * connections fighting for SQLite's single write lock and sleeping in its busy handler (back-off of
 * 1, 2, 5 … 100 ms) while it is free; and whatever queued while one commit ran is committed
 * together, each caller's work in its own savepoint, with one fsync for the batch. A caller returns
 * only after that COMMIT is durable. Each batch is one {@code BEGIN IMMEDIATE … COMMIT} (never the
 * driver's {@code commit(); begin} pair, which took the write lock twice per transaction). Reads
 * use a separate pool of read-only connections (WAL readers never wait for the writer). Another
 * process on the same file is still excluded by SQLite's own lock and busy timeout.
 */
public final class Database implements AutoCloseable {
  /** How long SQLite waits for another process's lock (busy timeout). */
  static final int BUSY_TIMEOUT_MS = 10_000;

  private final HikariDataSource readers;
  private final HikariDataSource writers; // == readers when not single-writer
  private final GroupCommitWriter writer; // null: the database handles concurrent writers itself

  private Database(HikariDataSource readers, HikariDataSource writers, GroupCommitWriter writer) {
    this.readers = readers;
    this.writers = writers;
    this.writer = writer;
  }

  /** Opens (creating if needed) {@code file} and migrates it to the current schema. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the database path comes from server configuration")
  public static Database openSqlite(Path file) throws IOException {
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    HikariDataSource writer;
    try {
      writer = new HikariDataSource(sqlite(url, "sealdrop-meta-writer", 1, false));
    } catch (RuntimeException e) {
      throw unusable(file, e);
    }
    try {
      migrate(writer); // also creates the file and switches it to WAL before any reader opens it
      HikariDataSource readers = new HikariDataSource(sqlite(url, "sealdrop-meta-read", 4, true));
      return new Database(readers, writer, new GroupCommitWriter(writer, "sealdrop-meta-writer"));
    } catch (RuntimeException e) {
      writer.close();
      throw unusable(file, e);
    }
  }

  /**
   * A database the server cannot open or migrate (damaged, of a newer sealdrop, its migrations altered): a sentence
   * for the operator, not a stack trace (round AG). The cause keeps the library's words.
   */
  private static IOException unusable(Path file, RuntimeException e) {
    String why = e instanceof org.flywaydb.core.api.exception.FlywayValidateException
        ? "its schema history does not match this server's migrations: a newer sealdrop server migrated it, or it was"
            + " altered"
        : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    return new IOException("the database " + file + " cannot be used (" + why + "): restore it (with its -wal file)"
        + " from a backup of the data folder, or run the sealdrop server version that wrote it", e);
  }

  private static HikariConfig sqlite(String url, String name, int size, boolean readOnly) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setReadOnly(readOnly);
    if (readOnly) {
      config.addDataSourceProperty("open_mode", "1"); // SQLITE_OPEN_READONLY: a stray write fails loudly
    } else {
      config.addDataSourceProperty("journal_mode", "WAL");
    }
    config.addDataSourceProperty("synchronous", "FULL");
    config.addDataSourceProperty("busy_timeout", Integer.toString(BUSY_TIMEOUT_MS));
    config.addDataSourceProperty("foreign_keys", "true");
    return config;
  }

  /** Opens any JDBC URL (e.g. PostgreSQL) and migrates it; writers share the pool (the server locks rows). */
  public static Database open(String jdbcUrl, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setPoolName("sealdrop-meta");
    HikariDataSource ds = new HikariDataSource(config);
    try {
      migrate(ds);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Database(ds, ds, null);
  }

  private static void migrate(DataSource ds) {
    // a database migrated by a newer sealdrop is refused, not served by this older one (round AG: Flyway only warned)
    Flyway.configure().dataSource(ds).locations("classpath:db/migration").ignoreMigrationPatterns("")
        .validateOnMigrate(true).load().migrate();
  }

  /** Connections for reads (read-only on SQLite): never write through them; use {@link #inTransaction}. */
  public DataSource dataSource() {
    return readers;
  }

  /**
   * Runs {@code work} as one write transaction (on SQLite: within a group commit) and returns its
   * result once the commit is durable; any exception rolls back {@code work}'s writes.
   */
  <T> T inTransaction(Jdbc.Work<T> work) throws SQLException {
    return writer == null ? pooledTransaction(work) : writer.run(work);
  }

  /** The SQLite writer (tests); null for other databases. */
  GroupCommitWriter writer() {
    return writer;
  }

  private <T> T pooledTransaction(Jdbc.Work<T> work) throws SQLException {
    try (Connection c = writers.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  @Override
  public void close() {
    try {
      if (writer != null) {
        writer.close();
      }
      readers.close();
    } finally {
      if (writers != readers) {
        writers.close();
      }
    }
  }
}
