-- Mailer owns the email log and the suppression list (bounced or complained addresses).
CREATE TABLE emails (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL COLLATE NOCASE,
    status TEXT NOT NULL,  -- queued, sent, failed, suppressed, delivered, bounced, complained
    provider_id TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE suppressions (
    address TEXT PRIMARY KEY COLLATE NOCASE,
    reason TEXT NOT NULL,
    created_at REAL NOT NULL
);
