-- Deleting an account waits 14 days (docs/accounts.md, "Deleting an account"): the request sets
-- this; signing in within the window clears it (and puts the sites back); the Cron's `deletions`
-- job deletes accounts whose window has passed, a bounded page at a time, oldest first.
ALTER TABLE accounts ADD COLUMN deletion_requested_at REAL;
CREATE INDEX accounts_by_deletion ON accounts(deletion_requested_at, id) WHERE deletion_requested_at IS NOT NULL;
