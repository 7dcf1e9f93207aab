-- The account's latest checkout session until it completes or expires, and when it started: if every
-- webhook of a paid checkout is lost and the owner never returns to the confirmation page, the
-- scheduled reconcile asks Stripe about the session (billing/reconcile.py: settle_checkouts).
ALTER TABLE subscriptions ADD COLUMN pending_checkout TEXT;
ALTER TABLE subscriptions ADD COLUMN pending_checkout_at REAL;
CREATE INDEX IF NOT EXISTS subscriptions_pending_checkout ON subscriptions(pending_checkout_at)
    WHERE pending_checkout IS NOT NULL;
