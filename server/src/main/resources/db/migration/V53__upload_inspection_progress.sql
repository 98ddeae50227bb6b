-- How far the server's inspection of an upload had got at its last checkpoint (EnvelopeInspector.progress(): the
-- header's length, the chunks hashed and the running state of the envelope's digest; public values, a few hundred
-- bytes). A resume continues from it and reads only the stored bytes after those chunks, not the whole prefix again
-- (review DN: a transferor looping cancelled resumes of a large upload made the server re-read it each time). NULL: a
-- resume reads every stored byte, as before this column.
ALTER TABLE uploads ADD COLUMN inspection_progress BYTEA;
