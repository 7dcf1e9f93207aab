-- Accounts that were deleted: a late Stripe event (the cancellation a deletion causes arrives
-- after the row is gone) must not re-create the row with the customer id and email. Only the
-- opaque account id is kept, which identifies no one once core has deleted the account.
CREATE TABLE deleted_accounts (
    account_id TEXT PRIMARY KEY,
    deleted_at REAL NOT NULL
);
