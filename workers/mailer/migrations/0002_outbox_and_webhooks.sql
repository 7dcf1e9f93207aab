-- Send bookkeeping, the local outbox and processed webhook deliveries.

-- A hash of (template, to, data): the same idempotency key with another request is a conflict.
ALTER TABLE emails ADD COLUMN request_hash TEXT;
-- How many times Resend was called for this message (retries included).
ALTER TABLE emails ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

CREATE INDEX emails_provider_id ON emails (provider_id);
CREATE INDEX emails_created_at ON emails (created_at);

-- Outbox mode (no RESEND_API_KEY, local stack only): the rendered message instead of a send.
CREATE TABLE outbox (
    email_id TEXT PRIMARY KEY REFERENCES emails (id),
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at REAL NOT NULL
);

-- Resend (Svix) webhook deliveries already processed, by svix-id: each is acted on once.
CREATE TABLE webhook_events (
    svix_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at REAL NOT NULL
);
