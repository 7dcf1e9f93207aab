-- Forgetting an address (an account's deletion) walked every email and every outbox row to find its
-- own (EXPLAIN QUERY PLAN: SCAN). With these it reads only that address's rows.
CREATE INDEX IF NOT EXISTS emails_by_recipient ON emails(recipient);
CREATE INDEX IF NOT EXISTS outbox_by_recipient ON outbox(recipient);
