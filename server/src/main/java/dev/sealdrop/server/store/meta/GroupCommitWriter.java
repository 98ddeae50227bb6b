package dev.sealdrop.server.store.meta;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The only writer of an SQLite database: one thread, one connection, group commit.
 *
 * <p>Callers queue their write transactions (FIFO, so fairly) and block until theirs is durable.
 * The writer thread takes everything queued (at most {@value #MAX_BATCH}) and runs it as <b>one</b>
 * SQLite transaction ({@code BEGIN IMMEDIATE … COMMIT}, so one fsync of the WAL with
 * {@code synchronous=FULL}), each caller's work inside its own {@code SAVEPOINT}: the works run one
 * after another on the same connection, so each sees the effects of those before it and a
 * compare-and-set stays atomic (of N claims on one grant in one batch, exactly one UPDATE matches);
 * a work that fails is rolled back to its savepoint and only its caller sees the error. Nobody is
 * answered before the COMMIT has returned; if the COMMIT fails, every caller of that batch gets
 * the error and nothing of the batch is kept. While one batch commits, the next one gathers, so
 * the batch size follows the load with no added delay.
 */
final class GroupCommitWriter implements AutoCloseable {
  static final int MAX_BATCH = 256;

  private final HikariDataSource connections;
  private final BlockingQueue<Request<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Request<Void> poison = new Request<>(c -> null);
  private boolean closed; // guarded by this

  GroupCommitWriter(HikariDataSource connections, String name) {
    this.connections = connections;
    this.thread = new Thread(this::loop, name);
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private static final class Request<T> {
    final Jdbc.Work<T> work;
    final CompletableFuture<T> done = new CompletableFuture<>();
    T result;
    Throwable failure;

    Request(Jdbc.Work<T> work) {
      this.work = work;
    }

    void runIn(Connection c) throws SQLException {
      result = work.run(c);
    }

    void deliver() {
      if (failure == null) {
        done.complete(result);
      } else {
        done.completeExceptionally(failure);
      }
    }
  }

  /** Runs {@code work} in the next batch; returns its result once that batch's COMMIT is durable. */
  <T> T run(Jdbc.Work<T> work) throws SQLException {
    if (Thread.currentThread() == thread) {
      throw new IllegalStateException("server: internal error: a write transaction inside a write transaction");
    }
    Request<T> r = new Request<>(work);
    synchronized (this) {
      if (closed) {
        throw new SQLException("the metadata database is closed");
      }
      queue.add(r);
    }
    try {
      return r.done.join(); // not interruptible: the outcome is decided by the COMMIT, so wait for it
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SQLException s) {
        throw s;
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  /** How many write transactions wait for the writer (tests). */
  int pending() {
    return queue.size();
  }

  private void loop() {
    List<Request<?>> batch = new ArrayList<>();
    while (true) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // only the poison request stops the writer, so that no queued caller is left waiting
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      int stop = batch.indexOf(poison);
      List<Request<?>> work = stop < 0 ? batch : batch.subList(0, stop);
      try {
        if (!work.isEmpty()) {
          runBatch(work);
        }
      } catch (Throwable t) { // never leave a caller waiting, whatever went wrong
        for (Request<?> r : work) {
          r.done.completeExceptionally(t);
        }
      }
      if (stop >= 0) {
        return;
      }
      batch.clear();
    }
  }

  private void runBatch(List<Request<?>> batch) {
    Connection c = null;
    try {
      c = connections.getConnection();
      exec(c, "BEGIN IMMEDIATE");
      for (int i = 0; i < batch.size(); i++) {
        Request<?> r = batch.get(i);
        exec(c, "SAVEPOINT w");
        try {
          r.runIn(c);
          exec(c, "RELEASE w");
        } catch (SQLException | RuntimeException e) {
          r.failure = e;
          if (!rollbackTo(c, e)) { // SQLite ended the whole transaction: redo the others one by one
            rollback(c, e);
            release(c);
            c = null;
            r.deliver();
            for (Request<?> other : batch) {
              if (other != r) {
                other.result = null;
                other.failure = null;
                runBatch(List.of(other));
              }
            }
            return;
          }
        }
      }
      exec(c, "COMMIT");
    } catch (SQLException | RuntimeException e) { // getConnection, BEGIN or COMMIT: nothing of the batch is kept
      if (c != null) {
        rollback(c, e);
      }
      for (Request<?> r : batch) {
        r.failure = e;
      }
    } finally {
      release(c);
    }
    for (Request<?> r : batch) {
      r.deliver();
    }
  }

  private static boolean rollbackTo(Connection c, Exception cause) {
    try {
      exec(c, "ROLLBACK TO w");
      exec(c, "RELEASE w");
      return true;
    } catch (SQLException e) {
      cause.addSuppressed(e);
      return false;
    }
  }

  /** Rolls back; a connection that cannot be rolled back is retired, so no batch inherits its transaction. */
  private void rollback(Connection c, Exception cause) {
    try {
      exec(c, "ROLLBACK");
    } catch (SQLException e) {
      cause.addSuppressed(e); // e.g. SQLite had already rolled back; the connection is retired to be sure
      connections.evictConnection(c);
    }
  }

  private static void release(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // returned to the pool, or already evicted; nothing is pending on it
      }
    }
  }

  @edu.umd.cs.findbugs.annotations.SuppressFBWarnings(value = "SQL_INJECTION_JDBC",
      justification = "callers pass only the constant transaction statements of this class (BEGIN IMMEDIATE, SAVEPOINT w,"
          + " RELEASE w, ROLLBACK TO w, ROLLBACK, COMMIT); no value is ever part of them")
  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** Lets the queued transactions finish, then stops the writer; later calls fail. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(poison);
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
