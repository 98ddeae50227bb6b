-- sealdrop schema: who created a purged grant, so that its sender, revoking it or asking about it, is told that
-- its file was purged (and when) instead of "no grant with that id among yours". Rows purged before this column
-- have an empty owner: their senders get the old answer.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE purged_grants ADD COLUMN owner VARCHAR(64) NOT NULL DEFAULT '';
CREATE INDEX purged_grants_by_grant ON purged_grants (grant_id);
