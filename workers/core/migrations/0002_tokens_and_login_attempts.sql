-- Single-use email-link tokens (only their SHA-256 is stored).
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,  -- verify_email, password_reset, magic_link, email_change
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    data TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE INDEX tokens_by_account ON tokens(account_id);

-- Failed-login slots in a sliding hour, per account and per client address.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_attempts_by_bucket ON login_attempts(bucket, at);
