-- Issue 23, L13: when an account's unproven domain claim is removed (it lapsed, or the account
-- dropped it), when that claim started. Claiming the name again continues the same clock, and
-- after the claim lapsed the account waits a cooling-down period, so the name's owner gets a window.
CREATE TABLE claim_history (
    hostname TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    claimed_at REAL NOT NULL,    -- Unix seconds
    PRIMARY KEY (hostname, customer_id)
);
