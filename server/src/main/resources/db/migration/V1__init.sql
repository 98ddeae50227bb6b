-- sealdrop schema v1. Portable SQL: runs unchanged on SQLite and PostgreSQL.
-- Times are milliseconds since the Unix epoch (BIGINT), taken from the server's clock.

CREATE TABLE identities (
  name        VARCHAR(64)  NOT NULL PRIMARY KEY,
  role        VARCHAR(16)  NOT NULL,
  enabled     BOOLEAN      NOT NULL,
  created_at  BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL
);

CREATE TABLE revoked_certificates (
  issuer      VARCHAR(512) NOT NULL,
  serial      VARCHAR(64)  NOT NULL,
  revoked_at  BIGINT       NOT NULL,
  PRIMARY KEY (issuer, serial)
);

CREATE TABLE key_bundles (
  identity      VARCHAR(64)  NOT NULL PRIMARY KEY,
  bundle        BYTEA        NOT NULL,
  fingerprint   VARCHAR(128) NOT NULL,
  published_at  BIGINT       NOT NULL
);

CREATE TABLE uploads (
  id                VARCHAR(40) NOT NULL PRIMARY KEY,
  owner             VARCHAR(64) NOT NULL,
  state             VARCHAR(16) NOT NULL,
  expected_size     BIGINT      NOT NULL,
  committed_offset  BIGINT      NOT NULL,
  created_at        BIGINT      NOT NULL,
  updated_at        BIGINT      NOT NULL,
  file_id           VARCHAR(40)
);
CREATE INDEX uploads_state ON uploads (state, updated_at);

CREATE TABLE files (
  id                VARCHAR(40)   NOT NULL PRIMARY KEY,
  owner             VARCHAR(64)   NOT NULL,
  size              BIGINT        NOT NULL,
  fingerprint       VARCHAR(64)   NOT NULL,
  recipient_fps     VARCHAR(4000) NOT NULL,
  created_at        BIGINT        NOT NULL
);
CREATE INDEX files_owner ON files (owner);

CREATE TABLE grants (
  id              VARCHAR(40) NOT NULL PRIMARY KEY,
  file_id         VARCHAR(40) NOT NULL REFERENCES files (id),
  owner           VARCHAR(64) NOT NULL,
  recipient       VARCHAR(64) NOT NULL,
  token_hash      VARCHAR(64) NOT NULL UNIQUE,
  state           VARCHAR(16) NOT NULL,
  created_at      BIGINT      NOT NULL,
  expires_at      BIGINT      NOT NULL,
  max_downloads   INTEGER     NOT NULL,
  downloads_used  INTEGER     NOT NULL,
  updated_at      BIGINT      NOT NULL
);
CREATE INDEX grants_owner ON grants (owner);
CREATE INDEX grants_recipient ON grants (recipient);

CREATE TABLE claims (
  claim_hash     VARCHAR(64) NOT NULL PRIMARY KEY,
  grant_id       VARCHAR(40) NOT NULL REFERENCES grants (id),
  recipient      VARCHAR(64) NOT NULL,
  state          VARCHAR(16) NOT NULL,
  created_at     BIGINT      NOT NULL,
  expires_at     BIGINT      NOT NULL,
  served_all_at  BIGINT
);
CREATE INDEX claims_open ON claims (state, expires_at);
CREATE INDEX claims_grant ON claims (grant_id);
