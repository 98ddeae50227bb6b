-- sealdrop schema: when a claim was replaced by a redeem with its redeem key (GrantService: "redeeming again"), so that
-- a server that stopped between that replacement's commit and its audit record (grant.release, cause redeemed-again)
-- records it at the next start, as it does the other acts it committed and never recorded (UnrecordedActs). NULL for
-- every other claim, and for claims replaced before this column.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL.
ALTER TABLE claims ADD COLUMN replaced_at BIGINT;
