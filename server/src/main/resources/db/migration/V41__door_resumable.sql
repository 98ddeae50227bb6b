-- sealdrop schema: whether an unfinished upload or an open claim can be taken up again by a later
-- connection. Set by the core from the door the caller came through: a gRPC client keeps the upload
-- id or claim id and resumes with it; an SFTP upload or /redeem/ download cannot be resumed (its
-- claim secret lives only in the handle). Read at startup: after a crash, an upload or claim that no
-- client can resume is ended at once (its data deleted, its grant given back) instead of holding
-- quota or the grant until it expires (docs/sftp.md). Rows made before this column are resumable.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE uploads ADD COLUMN resumable BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE claims ADD COLUMN resumable BOOLEAN NOT NULL DEFAULT TRUE;
