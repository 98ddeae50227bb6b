package dev.sealdrop.server.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** A test's own statements on a server's real database file ({@code DATA/sealdrop.db}), beside the running server. */
public final class DatabaseFile {
  private DatabaseFile() {}

  /** Runs {@code statement} on its own connection, waiting for the server's write lock if it holds it. */
  public static void execute(Path data, String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("sealdrop.db"));
        Statement s = c.createStatement()) {
      s.setQueryTimeout(30);
      s.execute("PRAGMA busy_timeout = 30000");
      s.execute(statement);
    }
  }
}
