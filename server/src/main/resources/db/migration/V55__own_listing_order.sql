-- An identity's own listings, newest first then by id (both descending, scanned backwards), read a page at a time (ListFiles, ListGrants, ListInbox: at most
-- 1000 rows a page, each page starting after the last row of the one before): without these, every page sorted all of
-- the identity's rows.
CREATE INDEX grants_by_owner_creation ON grants (owner, created_at, id);
CREATE INDEX grants_by_recipient_creation ON grants (recipient, created_at, id);
CREATE INDEX files_by_owner_creation ON files (owner, created_at, id);
