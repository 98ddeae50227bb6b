/**
 * Metadata storage: JDBC implementations of the core's repository ports, on SQLite by default
 * (WAL, FULL sync, busy timeout), with a Flyway schema ({@code db/migration}) written in SQL that
 * also runs on PostgreSQL.
 *
 * <p>Invariants: prepared statements with constant SQL only; every state transition is a
 * conditional UPDATE or a single transaction. Not here: policy (that is the core's).
 */
package dev.sealdrop.server.store.meta;
