-- A file's grants are looked up by file whenever it is removed (a sender's delete, an admin's purge, retention), and
-- the downloads it delivered with them: by index, not by a scan of every grant the server ever made.
CREATE INDEX grants_file ON grants (file_id);
