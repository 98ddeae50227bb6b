-- Counting an owner's live grants (max-live-grants-per-identity) on every grant creation: by owner and state, then
-- expiry, within the index, however many ended grants the owner has. Its first column serves what grants_owner did.
CREATE INDEX grants_owner_state ON grants (owner, state, expires_at);
DROP INDEX grants_owner;
