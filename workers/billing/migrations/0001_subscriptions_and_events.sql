-- Billing owns subscriptions (the source of truth for entitlements) and processed Stripe events.
CREATE TABLE subscriptions (
    account_id TEXT PRIMARY KEY,
    stripe_customer_id TEXT,
    stripe_subscription_id TEXT UNIQUE,
    plan TEXT NOT NULL DEFAULT 'free',
    status TEXT NOT NULL DEFAULT 'none',
    current_period_end REAL,
    updated_at REAL NOT NULL
);

-- Event ids already handled: Stripe delivers at least once.
CREATE TABLE processed_events (
    event_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    processed_at REAL NOT NULL
);
