package dev.sealdrop.server.store.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A small JDBC template: constant SQL with {@code ?} parameters only (never concatenated), reads
 * on the read pool, and writes as transactions on the database's write path that roll back on any
 * failure. SQL errors become {@link IllegalStateException}
 * ("server: database error"), since the core cannot act on them.
 */
@edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "SQL_INJECTION_JDBC",
    justification = "package-private template; every caller (the Jdbc*Repository classes of this package) passes a"
        + " compile-time constant SQL string with ? placeholders; values are always bound as parameters")
final class Jdbc {
  private final Database db;
  private final DataSource readers;

  Jdbc(Database db) {
    this.db = db;
    this.readers = db.dataSource();
  }

  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** One write transaction through the database's write path ({@link Database#inTransaction}). */
  <T> T inTransaction(Work<T> work) {
    try {
      return db.inTransaction(work);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  int update(String sql, Object... params) {
    return inTransaction(c -> update(c, sql, params));
  }

  <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
    try (Connection c = readers.getConnection()) {
      return query(c, sql, mapper, params);
    } catch (SQLException e) {
      throw failure(e);
    }
  }

  <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... params) {
    List<T> rows = query(sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  static int update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    }
  }

  static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
        return out;
      }
    }
  }

  private static void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p == null) {
        ps.setNull(i + 1, java.sql.Types.VARCHAR); // (SQLite: a NULL is one whatever the column's type)
      } else if (p instanceof byte[] bytes) {
        ps.setBytes(i + 1, bytes);
      } else if (p instanceof Boolean b) {
        ps.setBoolean(i + 1, b);
      } else {
        ps.setObject(i + 1, p);
      }
    }
  }

  static IllegalStateException failure(SQLException e) {
    return new IllegalStateException("server: database error: " + e.getMessage(), e);
  }
}
