-- sealdrop schema: the client certificates that have authenticated as each identity (a gRPC call or an SFTP login
-- through an SSH key they registered), so that an admin revoking a certificate by serial under the wrong identity is
-- told whose it is even after its owner moved to a renewed certificate. No key material: issuer, serial, first use.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE seen_certificates (
  identity    VARCHAR(64)  NOT NULL,
  issuer      VARCHAR(512) NOT NULL,
  serial      VARCHAR(64)  NOT NULL,
  first_seen  BIGINT       NOT NULL,
  PRIMARY KEY (identity, issuer, serial)
);
CREATE INDEX seen_certificates_by_serial ON seen_certificates (serial);
