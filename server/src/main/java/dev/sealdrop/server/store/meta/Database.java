package dev.sealdrop.server.store.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The metadata database: an embedded SQLite file (WAL, FULL sync, busy timeout, immediate
 * transactions so that concurrent writers queue instead of failing), pooled by HikariCP and
 * migrated by Flyway. The schema is portable SQL, so a PostgreSQL URL works the same way.
 */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Opens (creating if needed) {@code file} and migrates it to the current schema. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the database path comes from server configuration")
  public static Database openSqlite(Path file) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
    config.setPoolName("sealdrop-meta");
    config.setMaximumPoolSize(4);
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("synchronous", "FULL");
    config.addDataSourceProperty("busy_timeout", "10000");
    config.addDataSourceProperty("foreign_keys", "true");
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    return open(config);
  }

  /** Opens any JDBC URL (e.g. PostgreSQL) and migrates it. */
  public static Database open(String jdbcUrl, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setPoolName("sealdrop-meta");
    return open(config);
  }

  private static Database open(HikariConfig config) {
    HikariDataSource ds = new HikariDataSource(config);
    try {
      Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Database(ds);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
