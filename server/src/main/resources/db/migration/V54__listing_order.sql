-- The admin listings' order, newest first then by id, read a page at a time (ListAllGrants, ListAllFiles: at most 1000
-- rows a page, each page starting after the last row of the one before): without these, every page sorted the whole
-- table.
CREATE INDEX grants_by_creation ON grants (created_at DESC, id);
CREATE INDEX files_by_creation ON files (created_at DESC, id);
