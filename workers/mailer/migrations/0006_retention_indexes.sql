-- Retention (mailer/retention.py): the mail log, the outbox and webhook ids are deleted by age in bounded chunks.
CREATE INDEX IF NOT EXISTS emails_by_created ON emails(created_at);
CREATE INDEX IF NOT EXISTS outbox_by_created ON outbox(created_at);
CREATE INDEX IF NOT EXISTS webhook_events_by_time ON webhook_events(received_at);
