-- sealdrop schema: a claim records when its first bytes were handed out, and a grant counts the claims that ended
-- unfinished after that (released by their holder, or lapsed), so that a download given back again and again near
-- its end (everything but the last bytes, under a new claim each time) counts as a download every few times instead
-- of never (GrantRepository.INTERRUPTED_CLAIMS_PER_DOWNLOAD).
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE claims ADD COLUMN first_served_at BIGINT;
ALTER TABLE grants ADD COLUMN interrupted_claims INTEGER NOT NULL DEFAULT 0;
