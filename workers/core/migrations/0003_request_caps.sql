-- Requests that make us mail someone (change email, resend verification), per account and per
-- normalised mailbox, kept one day: core/mailcaps.py (issue 23).
CREATE TABLE request_caps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX request_caps_by_bucket ON request_caps(bucket, at);
