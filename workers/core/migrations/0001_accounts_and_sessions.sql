-- Core owns accounts and sessions. Times are Unix seconds (REAL).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    email_verified_at REAL,
    attribution TEXT NOT NULL DEFAULT '{}',  -- plan, utm_*, ref from the sign-up deep link (JSON)
    created_at REAL NOT NULL
);

-- Only SHA-256 of the session token is stored.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    revoked_at REAL
);
CREATE INDEX sessions_by_account ON sessions(account_id);
