-- sealdrop schema: what is kept of a purged grant (an admin's PurgeFile, or retention), so that its
-- recipient is told that it existed and why it is gone instead of "no grant matches this token".
-- No file data: no size, fingerprint, owner or envelope; the token only as its SHA-256, as in grants.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE purged_grants (
  token_hash  VARCHAR(64)  NOT NULL PRIMARY KEY,
  grant_id    VARCHAR(40)  NOT NULL,
  file_id     VARCHAR(40)  NOT NULL,
  recipient   VARCHAR(64)  NOT NULL,
  ended_in    VARCHAR(16)  NOT NULL,
  expires_at  BIGINT       NOT NULL,
  cause       VARCHAR(16)  NOT NULL,
  purged_at   BIGINT       NOT NULL
);
