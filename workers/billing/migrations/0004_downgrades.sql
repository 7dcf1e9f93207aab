-- Lifecycle issue: the downgrade timeline (docs/billing.md, "Downgrade policy"). One row per ended
-- paid subscription, written by the scheduled job the first time it sees the account on Free;
-- each mail is sent once (its time recorded). Resubscribing deletes the row.
CREATE TABLE downgrades (
    account_id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    plan TEXT NOT NULL,                 -- the plan the account had
    downgraded_at REAL NOT NULL,        -- Unix seconds: when the paid plan ended
    notice_sent_at REAL,                -- "you are on Free now" (plan_downgraded)
    reminder_sent_at REAL               -- 3 days before the custom domains stop (domains_ending)
);
