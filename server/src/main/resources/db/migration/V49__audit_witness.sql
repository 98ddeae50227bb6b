-- sealdrop schema: the latest checkpoint the server's audit log signed, kept apart from the log (AuditWitness), so that
-- a start finds a log that was cut back or replaced by an older copy while the server was stopped (round BV: a log cut
-- at a checkpoint started as if after a crash, and the server signed sizes it had signed before with other heads). One
-- row (id 1): the verifier key that signed it (a new log under a new key replaces it), its size and its note.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE audit_witness (
  id            INTEGER      NOT NULL PRIMARY KEY,
  verifier_key  TEXT         NOT NULL,
  size          BIGINT       NOT NULL,
  note          TEXT         NOT NULL,
  kept_at       BIGINT       NOT NULL
);
