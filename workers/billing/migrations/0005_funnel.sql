-- Lifecycle issue: the operator report's funnel steps. `checkout_at`: the account's first checkout
-- session; `first_paid_at`: when billing first saw its subscription active (or trialing).
ALTER TABLE subscriptions ADD COLUMN checkout_at REAL;
ALTER TABLE subscriptions ADD COLUMN first_paid_at REAL;
