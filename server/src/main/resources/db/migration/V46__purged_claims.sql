-- sealdrop schema: what is kept of a purged grant's claims (an admin's PurgeFile, or retention), so that a client
-- resuming, confirming or releasing one is told that its grant was purged (and, if every byte had been served, that
-- the download counted) instead of "no claim matches this claim id; redeem the grant first". Only the claim's hash,
-- as in claims; its grant's row in purged_grants says the rest.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
CREATE TABLE purged_claims (
  claim_hash  VARCHAR(64) NOT NULL PRIMARY KEY,
  grant_id    VARCHAR(40) NOT NULL,
  delivered   BOOLEAN     NOT NULL
);
