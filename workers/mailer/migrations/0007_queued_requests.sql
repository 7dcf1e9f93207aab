-- The /internal/send body of a message while it is `queued` (NULL once it leaves that state), so the
-- scheduled sweeper can enqueue again a message whose enqueue never happened or was lost.
ALTER TABLE emails ADD COLUMN request TEXT;
CREATE INDEX IF NOT EXISTS emails_queued ON emails(status, updated_at);
