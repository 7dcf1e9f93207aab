-- The normalised mailbox each message reached (shared/mailbox.py): mail budgets count it, so
-- `+tag` aliases and Gmail's dots share one budget (issue 23). Older rows: the lower-cased address.
ALTER TABLE emails ADD COLUMN mailbox TEXT;
UPDATE emails SET mailbox = lower(recipient);
CREATE INDEX emails_by_mailbox ON emails(mailbox, created_at);
