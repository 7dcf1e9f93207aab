-- What billing needs beyond 0001: the address notices go to, the grace period's start, the
-- subscription's trial and cancellation state, and claims on events still being processed.
ALTER TABLE subscriptions ADD COLUMN email TEXT;
ALTER TABLE subscriptions ADD COLUMN past_due_since REAL;
ALTER TABLE subscriptions ADD COLUMN cancel_at_period_end INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN trial_end REAL;
CREATE INDEX subscriptions_by_customer ON subscriptions (stripe_customer_id);

-- 'processing' while a delivery is being handled (a claim), 'done' afterwards.
ALTER TABLE processed_events ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
