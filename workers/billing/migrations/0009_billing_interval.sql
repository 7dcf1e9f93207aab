-- Issue 28: annual prices. How often the subscription's price bills ("month" or "year"), read from
-- the price's `recurring.interval` on each sync; NULL before the first subscription.
ALTER TABLE subscriptions ADD COLUMN billing_interval TEXT;
