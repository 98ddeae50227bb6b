-- sealdrop schema: a claim keeps the SHA-256 of the redeem key its client sent (RedeemRequest.redeem_key), so that a
-- client that never learned its claim id (stopped right after the redeem, or the answer lost on the way) can redeem
-- again with the same key and get a new claim in its place, as long as no byte of the file was handed out on it
-- (GrantService: "redeeming again"). NULL for claims made without a key (the SFTP door, older clients).
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE claims ADD COLUMN redeem_key_hash VARCHAR(64);
