-- SSH public keys for the SFTP door (issue 7). Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- A key belongs to one identity (the fingerprint is the key); it is bound to the DER of the client
-- certificate through which it was registered, and lives no longer than that certificate is valid.
CREATE TABLE ssh_keys (
  fingerprint   VARCHAR(64)  NOT NULL PRIMARY KEY,
  identity      VARCHAR(64)  NOT NULL REFERENCES identities (name),
  algorithm     VARCHAR(32)  NOT NULL,
  public_key    BYTEA        NOT NULL,
  comment       VARCHAR(256) NOT NULL,
  certificate   BYTEA        NOT NULL,
  added_at      BIGINT       NOT NULL
);
CREATE INDEX ssh_keys_identity ON ssh_keys (identity);
