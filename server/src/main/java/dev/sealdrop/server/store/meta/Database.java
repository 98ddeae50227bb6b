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
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;

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
  private final Schema schema;

  /**
   * The database's schema version as this opening found it ({@code before}; null for a new database) and left it
   * ({@code after}), and how many migrations it ran ({@code migrated}; 0: the schema was this server's already).
   */
  public record Schema(String before, String after, int migrated) {
    /** Whether this opening migrated a database that an earlier server had written (an upgrade). */
    public boolean upgraded() {
      return before != null && migrated > 0;
    }
  }

  private Database(HikariDataSource readers, HikariDataSource writers, GroupCommitWriter writer, Schema schema) {
    this.readers = readers;
    this.writers = writers;
    this.writer = writer;
    this.schema = schema;
  }

  /** What opening the database did to its schema (round DB: an upgrade's migrations were said nowhere). */
  public Schema schema() {
    return schema;
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
      Schema schema = migrate(writer); // also creates the file and switches it to WAL before any reader opens it
      HikariDataSource readers = new HikariDataSource(sqlite(url, "sealdrop-meta-read", 4, true));
      return new Database(readers, writer, new GroupCommitWriter(writer, "sealdrop-meta-writer"), schema);
    } catch (RuntimeException e) {
      writer.close();
      throw unusable(file, e);
    }
  }

  /** The messages of {@code e} and its causes, for the SQLite result code among them. */
  private static String causes(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(' ');
    }
    return all.toString();
  }

  /**
   * A database the server cannot open or migrate (damaged, of a newer sealdrop, its migrations altered): a sentence
   * for the operator, not a stack trace (round AG). The cause keeps the library's words, except for a newer or altered
   * schema history, whose words end in advice to "run repair" (the start's error line prints every cause's message).
   */
  private static IOException unusable(Path file, RuntimeException e) {
    if (e instanceof NewerSchemaException newer) {
      // nothing of the library's to add: its advice ("run repair") would have this server run on a schema it does not
      // know (round DB)
      return new IOException("the database " + file + " was migrated by a newer sealdrop server: " + newer.getMessage()
          + ", so this server cannot use it. Run the sealdrop server version that migrated it, or, to go back to this"
          + " version, restore the whole data folder from the backup taken before the upgrade (docs/admin.md,"
          + " \"Upgrading\"); never delete or \"repair\" rows of its schema history (flyway_schema_history): this"
          + " server would then run on a schema it does not know");
    }
    if (e instanceof org.flywaydb.core.api.exception.FlywayValidateException) {
      // the library's second line names the migration that does not match; the rest is its advice to "run repair",
      // which would make the database's history agree with whatever this server has (round DB)
      String found = e.getMessage() == null ? "" : e.getMessage().lines().skip(1).findFirst().orElse("").strip();
      return new IOException("the database " + file + " cannot be used (its schema history does not match this"
          + " server's migrations" + (found.isEmpty() ? "" : ": " + found) + "; it was altered, or a sealdrop server"
          + " with other migrations wrote it): restore it (with its -wal file) from a backup of the data folder,"
          + " together with blobs/ and audit/ of the same backup, or run the sealdrop server version that wrote it");
    }
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    String all = causes(e);
    if (!all.contains("SQLITE_CORRUPT") && !all.contains("SQLITE_NOTADB")) {
      // not a damaged file: a full disk whose -shm cannot be made again, a permission, a lock (review EI: "restore it
      // from a backup" led an operator with a full disk to put back an older database)
      return new IOException("the database " + file + " cannot be opened (" + why + "): check the disk that holds it"
          + " (free space: df -h; permissions of the data folder and its files), then start again; the file itself"
          + " is not known to be damaged, so do not replace it", e);
    }
    return new IOException("the database " + file + " cannot be used (" + why + "): restore it (with its -wal file)"
        + " from a backup of the data folder, together with blobs/ and audit/ of the same backup, or run the sealdrop"
        + " server version that wrote it", e);
  }

  /**
   * A database whose schema history holds migrations this server does not have: a newer sealdrop server migrated it (a
   * downgrade). Its message names both versions.
   */
  static final class NewerSchemaException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    NewerSchemaException(String applied, String known) {
      super("its schema is at version " + applied + ", and this server's migrations end at version " + known);
    }
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
    Schema schema;
    try {
      schema = migrate(ds);
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Database(ds, ds, null, schema);
  }

  private static Schema migrate(DataSource ds) {
    // a database migrated by a newer sealdrop is refused, not served by this older one (round AG: Flyway only warned)
    Flyway flyway = Flyway.configure().dataSource(ds).locations("classpath:db/migration").ignoreMigrationPatterns("")
        .validateOnMigrate(true).load();
    requireNoNewerMigrations(flyway.info());
    org.flywaydb.core.api.output.MigrateResult r = flyway.migrate();
    return new Schema(r.initialSchemaVersion, r.targetSchemaVersion != null ? r.targetSchemaVersion
        : r.initialSchemaVersion, r.migrationsExecuted);
  }

  /**
   * Refuses a schema history that holds migrations this server does not have, naming both versions (round DB: the
   * refusal ended in Flyway's advice to "run repair", and named no version).
   */
  private static void requireNoNewerMigrations(MigrationInfoService info) {
    MigrationInfo newest = null;
    MigrationInfo known = null;
    for (MigrationInfo m : info.all()) {
      if (m.getVersion() == null) {
        continue;
      }
      boolean future = m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED;
      if (future && (newest == null || m.getVersion().isNewerThan(newest.getVersion()))) {
        newest = m;
      }
      if (m.getState().isResolved() && (known == null || m.getVersion().isNewerThan(known.getVersion()))) {
        known = m;
      }
    }
    if (newest != null) {
      throw new NewerSchemaException(newest.getVersion().getVersion(),
          known == null ? "none" : known.getVersion().getVersion());
    }
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
