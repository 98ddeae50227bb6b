-- sealdrop schema: admin (issue 6). Portable SQL: runs unchanged on SQLite and PostgreSQL.

-- Identities revoked for good (their certificates are refused at the TLS handshake).
CREATE TABLE revoked_identities (
  name        VARCHAR(64)  NOT NULL PRIMARY KEY,
  revoked_at  BIGINT       NOT NULL
);

-- Certificates revoked through the admin surface, by owning identity (for listings).
CREATE TABLE revoked_certificate_owners (
  identity    VARCHAR(64)  NOT NULL,
  serial      VARCHAR(64)  NOT NULL,
  revoked_at  BIGINT       NOT NULL,
  PRIMARY KEY (identity, serial)
);

-- The lockdown switch: one row (id = 1), persisted so that a restart keeps it.
CREATE TABLE lockdown (
  id          INTEGER      NOT NULL PRIMARY KEY,
  active      BOOLEAN      NOT NULL,
  reason      VARCHAR(256) NOT NULL,
  changed_by  VARCHAR(64)  NOT NULL,
  changed_at  BIGINT       NOT NULL
);
